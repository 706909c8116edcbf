// The API reference (/api/docs, api/templates/api/docs.html): reads the OpenAPI document and
// lays it out in the page. No framework and no inline code (the site's Content-Security-Policy
// forbids both); the page's own words come from its data- attributes, in the reader's language.
"use strict";

(function () {
  const root = document.getElementById("docs");
  const words = root.dataset;
  const loading = root.querySelector(".api-docs__loading");

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function resolve(spec, node) {
    // Follows a "$ref" inside this document ("#/components/...").
    while (node && node.$ref) {
      node = node.$ref.slice(2).split("/").reduce((part, key) => part[key], spec);
    }
    return node;
  }

  // An example-like outline of a schema: {"title": "string", "tags": ["string"], ...}.
  function outline(spec, schema, depth) {
    schema = resolve(spec, schema) || {};
    if (depth > 6) return "…";
    const types = [].concat(schema.type || "object");
    const nullable = types.includes("null") ? " | null" : "";
    const type = types.find((name) => name !== "null");
    if (type === "object" && schema.properties) {
      const required = new Set(schema.required || []);
      const result = {};
      for (const [name, property] of Object.entries(schema.properties)) {
        result[name + (required.has(name) ? "" : "?")] = outline(spec, property, depth + 1);
      }
      return result;
    }
    if (type === "array") return [outline(spec, schema.items, depth + 1)];
    return (schema.format ? `${type} (${schema.format})` : type) + nullable;
  }

  // A schema wider than a phone scrolls sideways: tabindex lets the keyboard reach it to
  // scroll it too (axe-core: scrollable-region-focusable).
  function schemaBlock(spec, schema) {
    return el("pre", { tabindex: "0" }, el("code", {}, JSON.stringify(outline(spec, schema, 0), null, 2)));
  }

  function parameters(list) {
    if (!list || !list.length) return null;
    const table = el("table", {}, el("tr", {}, el("th", {}, words.parameter), el("th", {}, words.in),
      el("th", {}, words.schema)));
    for (const parameter of list) {
      const schema = parameter.schema || {};
      const limits = ["minimum", "maximum", "default"]
        .filter((key) => key in schema).map((key) => `${key} ${schema[key]}`).join(", ");
      table.append(el("tr", {}, el("td", {}, el("code", {}, parameter.name)), el("td", {}, parameter.in),
        el("td", {}, `${schema.type || ""} ${limits}`)));
    }
    return table;
  }

  function responses(spec, all) {
    const table = el("table", {}, el("tr", {}, el("th", {}, words.status), el("th", {}, words.meaning)));
    const bodies = [];
    for (const [status, raw] of Object.entries(all || {})) {
      const response = resolve(spec, raw);
      table.append(el("tr", {}, el("td", {}, status), el("td", {}, response.description || "")));
      const content = response.content && response.content["application/json"];
      if (content && /^2/.test(status)) {
        bodies.push(el("p", {}, words.responseBody.replace("{status}", status)), schemaBlock(spec, content.schema));
      }
    }
    return [table, ...bodies];
  }

  function operation(spec, path, method, op) {
    const auth = (op.security || []).map((entry) => Object.keys(entry)[0]).join(", ");
    const section = el("section", { class: "operation", id: `${method}-${path}` },
      el("h3", {}, el("span", { class: `method method--${method}` }, method.toUpperCase()), " ", path),
      el("p", {}, op.summary || ""),
      auth ? el("p", { class: "auth" }, `${words.authentication} ${auth === "bearerAuth" ?
        "Authorization: Bearer <token>" : words.basic}`) : null,
      parameters(op.parameters));
    const body = op.requestBody && op.requestBody.content["application/json"];
    if (body) section.append(el("p", {}, words.requestBody), schemaBlock(spec, body.schema));
    section.append(...responses(spec, op.responses));
    return section;
  }

  function render(spec) {
    const shown = [
      el("h2", {}, `${spec.info.title} ${spec.info.version}`),
      el("p", {}, spec.info.description || ""),
      el("h2", {}, words.operations)];
    for (const [path, item] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (["get", "post", "put", "patch", "delete"].includes(method)) {
          shown.push(operation(spec, path, method, op));
        }
      }
    }
    shown.push(el("h2", {}, words.errors), el("p", {}, words.errorBody),
      schemaBlock(spec, spec.components.schemas.Error));
    loading.replaceWith(...shown);
  }

  fetch(root.dataset.spec, { headers: { Accept: "application/json" } })
    .then((response) => response.json())
    .then(render)
    .catch((error) => loading.replaceWith(el("p", {}, `${words.unreadable} ${error}`)));
})();
