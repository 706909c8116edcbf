"""What tests share besides fixtures, one module per topic.

pages: reading pages and submitting forms; factories: rows made straight in the database;
queries: counting SQL; mail: a real SMTP server's mailbox; api: calling the JSON API;
tokens and images: links' tokens and pictures to upload; services: Redis and free ports;
apps: building and resetting testing apps; live: the app over real HTTP; attack_surface:
every route, for the security tests.
"""
