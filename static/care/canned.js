// Saved replies in the reply box: type ";" (at the start or after a space) and a word of
// the title; ↑/↓ choose, Enter or Tab insert the reply already filled in for this
// customer, Esc closes and keeps what was typed. The server searches and fills in
// (responses/services/canned.py); this file only shows and inserts.
// Everything from the server goes in as text (textContent), never parsed as HTML.
(function cannedPicker() {
  const form = document.querySelector("form[data-reply-form][data-canned-url]");
  const box = form?.querySelector("textarea");
  if (!form || !box) return;

  const style = document.createElement("style");
  style.textContent = `
    .canned-list { position: absolute; z-index: 15; margin: .2rem 0 0; padding: .25rem; list-style: none;
      background: #fff; border: 1px solid #cbd5e1; border-radius: 8px; max-height: 19rem; overflow-y: auto;
      box-shadow: 0 6px 24px rgb(0 0 0 / 12%); }
    .canned-list li { padding: .4rem .55rem; border-radius: 6px; cursor: pointer; }
    .canned-list li[aria-selected="true"] { background: #ccfbf1; }
    .canned-list li[aria-disabled="true"] { cursor: default; color: var(--muted, #6b7280); }
    .canned-head { display: flex; gap: .4rem; align-items: center; font-weight: 600; }
    .canned-text { font-size: .85rem; color: #374151; overflow: hidden;
      display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; }
  `;
  document.head.append(style);

  const list = document.createElement("ul");
  list.id = "canned-list";
  list.className = "canned-list";
  list.setAttribute("role", "listbox");
  list.hidden = true;
  const status = document.createElement("span");
  status.className = "visually-hidden";
  status.setAttribute("aria-live", "polite");
  box.after(list, status);
  box.setAttribute("aria-autocomplete", "list");
  box.setAttribute("aria-controls", list.id);
  box.setAttribute("aria-expanded", "false");

  let results = [];
  let active = -1;
  let token = null; // {start, query}: where ";" is and what follows it
  let dismissed = null; // the ";" position Esc closed: not reopened until it goes
  let timer = null;
  let asked = 0;
  let inserting = false; // the inserted text is not searched again

  // The ";word" just before the caret, if there is one.
  function findToken() {
    const end = box.selectionStart;
    if (end !== box.selectionEnd) return null;
    const match = /(^|\s);([^\s;]{0,40})$/.exec(box.value.slice(0, end));
    return match ? { start: end - match[2].length - 1, query: match[2] } : null;
  }

  function close() {
    list.hidden = true;
    list.replaceChildren();
    results = [];
    active = -1;
    token = null;
    clearTimeout(timer);
    asked += 1; // an answer still on its way is ignored
    box.setAttribute("aria-expanded", "false");
    box.removeAttribute("aria-activedescendant");
  }

  function setActive(index) {
    const items = list.querySelectorAll("[role=option]:not([aria-disabled])");
    active = index >= 0 && index < items.length ? index : -1;
    items.forEach((item, i) => item.setAttribute("aria-selected", String(i === active)));
    if (active < 0) {
      box.removeAttribute("aria-activedescendant");
      return;
    }
    box.setAttribute("aria-activedescendant", items[active].id);
    items[active].scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    const count = results.length;
    if (!count) return;
    setActive(active < 0 ? (step > 0 ? 0 : count - 1) : (active + step + count) % count);
  }

  function show(data) {
    results = data.results || [];
    list.setAttribute("aria-label", data.label || "");
    list.style.width = `${box.offsetWidth}px`;
    list.replaceChildren(
      ...results.map((result, i) => {
        const item = document.createElement("li");
        item.id = `canned-option-${i}`;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        const head = document.createElement("span");
        head.className = "canned-head";
        const title = document.createElement("span");
        title.textContent = result.title;
        const language = document.createElement("span");
        language.className = "chip chip-language";
        language.textContent = result.language.toUpperCase();
        head.append(title, language);
        const text = document.createElement("span");
        text.className = "canned-text";
        text.textContent = result.text;
        item.append(head, text);
        // mousedown would take the focus from the reply box: keep it there.
        item.addEventListener("mousedown", (event) => event.preventDefault());
        item.addEventListener("mousemove", () => { if (active !== i) setActive(i); });
        item.addEventListener("click", () => insert(i));
        return item;
      }),
    );
    if (!results.length) {
      const empty = document.createElement("li");
      empty.setAttribute("role", "option");
      empty.setAttribute("aria-disabled", "true");
      empty.textContent = data.empty || "";
      list.append(empty);
    }
    status.textContent = data.status || "";
    list.hidden = false;
    box.setAttribute("aria-expanded", "true");
    // Nothing is chosen until ↓ or ↑: Enter in a reply box is a new line until then.
    setActive(-1);
  }

  async function search(query) {
    const ask = ++asked;
    const url = new URL(form.dataset.cannedUrl, location.href);
    url.searchParams.set("q", query);
    try {
      const response = await fetch(url, {
        headers: { "X-Requested-With": "fetch" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (!response.ok || response.redirected) return;
      const data = await response.json();
      if (ask === asked && token) show(data); // only the latest question is answered
    } catch (error) {
      // Offline: no picker this time; the agent can still type the reply.
    }
  }

  function update() {
    if (inserting) return;
    const found = findToken();
    if (!found || found.start === dismissed) {
      if (!found) dismissed = null;
      if (token) close();
      return;
    }
    const changed = !token || token.query !== found.query || token.start !== found.start;
    token = found;
    if (!changed) return;
    clearTimeout(timer);
    timer = setTimeout(() => search(found.query), list.hidden ? 0 : 150);
  }

  function insert(index) {
    const result = results[index];
    if (!result || !token) return;
    const { start } = token;
    const end = box.selectionStart;
    close();
    box.focus();
    box.setSelectionRange(start, end);
    // insertText keeps the browser's undo (Ctrl+Z) and fires "input" for the counter;
    // setRangeText is the fallback where it is not supported.
    inserting = true;
    try {
      if (!document.execCommand("insertText", false, result.text)) {
        box.setRangeText(result.text, start, end, "end");
        box.dispatchEvent(new Event("input", { bubbles: true }));
      }
    } finally {
      inserting = false;
    }
    const csrf = form.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";
    fetch(result.used_url, {
      method: "POST",
      headers: { "X-CSRFToken": csrf, "X-Requested-With": "fetch" },
      credentials: "same-origin",
    }).catch(() => {}); // only the rotation of wordings depends on it
  }

  box.addEventListener("input", update);
  box.addEventListener("click", update);
  box.addEventListener("keyup", (event) => {
    if (["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) update();
  });
  box.addEventListener("blur", close);
  box.addEventListener("keydown", (event) => {
    if (list.hidden) return;
    const modified = event.shiftKey || event.ctrlKey || event.metaKey || event.altKey;
    switch (event.key) {
      case "ArrowDown": move(1); break;
      case "ArrowUp": move(-1); break;
      case "Enter":
      case "Tab":
        // Tab takes the first reply when none is chosen (";ship" Tab); Enter only inserts
        // a chosen one. Otherwise the key does what it does without the picker.
        if (modified || !results.length || (active < 0 && event.key === "Enter")) {
          close();
          return;
        }
        insert(Math.max(active, 0));
        break;
      case "Escape":
        dismissed = token ? token.start : null;
        close();
        break;
      default:
        return;
    }
    event.preventDefault();
    // The inbox's own keys (Esc leaves the box, Ctrl+Enter sends) must not act as well.
    event.stopImmediatePropagation();
  });
})();
