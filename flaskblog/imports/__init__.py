"""Moving a blog in and out: WordPress exports (WXR) and folders or zips of Markdown files
come in through one core (`core.import_entries`), in one transaction per import; everything
an author wrote goes out as a zip of Markdown files that the same core reads back.

Readers of outside files (`wxr`, `markdown_files`) turn them into `Entry` objects or refuse
them with an `ImportRefused` whose message is for the person importing; they never touch
the database. The core alone writes, for one author, and says what it did in a `Summary`.
"""
