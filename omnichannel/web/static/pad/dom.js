// Small DOM helpers of the pad: build elements (text is escaped by append), switch views, show notices.

export const $ = (id) => document.getElementById(id);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) if (child != null) node.append(child); // text is escaped by append
  return node;
}

export function show(view) {
  for (const id of ["sign-in-view", "store-view", "pad-view"]) $(id).hidden = id !== view;
}

export function notice(message) {
  $("notice").textContent = message || "";
  $("notice").hidden = !message;
}
