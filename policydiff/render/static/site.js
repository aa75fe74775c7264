// policydiff site: sorting and filtering the index, opening the version a link points into.
// Our own small file (the Content-Security-Policy allows no other script, and no inline script).
"use strict";

function cellValue(row, column, type) {
  const text = row.cells[column].textContent.trim();
  if (type === "number") {
    const n = parseFloat(text);
    return Number.isNaN(n) ? -Infinity : n;
  }
  return text.toLowerCase();
}

function makeSortable(table) {
  const heads = Array.from(table.tHead.rows[0].cells);
  heads.forEach((th, column) => {
    const button = th.querySelector("button");
    if (!button) return;
    button.addEventListener("click", () => {
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      heads.forEach((other) => other.removeAttribute("aria-sort"));
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const type = th.dataset.type || "text";
      const body = table.tBodies[0];
      const rows = Array.from(body.rows);
      rows.sort((a, b) => {
        const x = cellValue(a, column, type);
        const y = cellValue(b, column, type);
        return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
      });
      rows.forEach((row) => body.appendChild(row));
    });
  });
}

function makeFilterable(table) {
  const box = document.getElementById("filters");
  const input = document.getElementById("filter");
  const material = document.getElementById("material-only");
  const shown = document.getElementById("shown");
  if (!box || !input || !material) return;
  box.hidden = false;
  const apply = () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    let count = 0;
    for (const row of table.tBodies[0].rows) {
      const text = row.textContent.toLowerCase();
      const visible = words.every((w) => text.includes(w)) && (!material.checked || row.dataset.last === "material");
      row.hidden = !visible;
      if (visible) count += 1;
    }
    shown.textContent = count + " of " + table.tBodies[0].rows.length + " shown";
  };
  input.addEventListener("input", apply);
  material.addEventListener("change", apply);
  apply();
}

function openTarget() {
  const id = decodeURIComponent(window.location.hash.slice(1));
  const target = id && document.getElementById(id);
  if (!target) return;
  for (let node = target; node; node = node.parentElement) {
    if (node.tagName === "DETAILS") node.open = true;
  }
  target.scrollIntoView();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("table.sortable").forEach(makeSortable);
  const index = document.getElementById("policy-index");
  if (index) makeFilterable(index);
  openTarget();
  window.addEventListener("hashchange", openTarget);
});
