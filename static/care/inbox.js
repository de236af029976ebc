// The inbox pages: live list, keyboard, bulk actions with undo, presence on a conversation.
// Every action is a plain form or link underneath; this script makes it fast.
"use strict";

const careCsrf = () => document.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";

async function carePost(url, data) {
  const body = new FormData();
  for (const [key, value] of Object.entries(data)) {
    for (const item of [].concat(value)) body.append(key, item);
  }
  const response = await fetch(url, {
    method: "POST",
    body,
    headers: { "X-CSRFToken": careCsrf(), "X-Requested-With": "fetch" },
    credentials: "same-origin",
  });
  let json = {};
  try { json = await response.json(); } catch (error) { /* an HTML error page */ }
  return { ok: response.ok, status: response.status, json };
}

function careUuid() {
  if (window.crypto?.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const typingInField = (event) => {
  const el = event.target;
  return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
};

// --- Shortcuts shared by both pages ---------------------------------------------------
const shortcutsDialog = document.getElementById("shortcuts");
let lastKey = "";
function commonKeys(event) {
  if (event.key === "?") { shortcutsDialog?.showModal(); return true; }
  if (lastKey === "g" && event.key === "i") { location.href = "/inbox/"; return true; }
  return false;
}

// --- The list -------------------------------------------------------------------------
const inbox = document.querySelector("[data-inbox]");
if (inbox) {
  const live = document.getElementById("inbox-live");
  const search = document.getElementById("inbox-q");
  const bar = inbox.querySelector("[data-bulkbar]");
  const toast = inbox.querySelector("[data-toast]");
  const flash = document.querySelector("[data-live-flash]");
  const checked = new Set();
  let cursorId = null;

  const rows = () => [...live.querySelectorAll(".conversation-row")];
  const cursorRow = () => rows().find((row) => row.dataset.id === cursorId) || null;

  function setCursor(row) {
    for (const other of rows()) other.classList.remove("cursor");
    if (!row) { cursorId = null; return; }
    row.classList.add("cursor");
    cursorId = row.dataset.id;
    row.scrollIntoView({ block: "nearest" });
  }

  function syncChecks() {
    for (const box of live.querySelectorAll(".row-check")) box.checked = checked.has(box.value);
    for (const row of rows()) row.classList.toggle("checked", checked.has(row.dataset.id));
    bar.hidden = checked.size === 0;
    const count = bar.querySelector("[data-bulk-count]");
    count.textContent = count.dataset.template.replace("%(count)s", checked.size);
  }

  function showToast(text, undo) {
    toast.querySelector("[data-toast-text]").textContent = text;
    const button = toast.querySelector("[data-undo]");
    button.hidden = !undo;
    button.onclick = undo || null;
    toast.hidden = false;
    clearTimeout(showToast.timer);
    const seconds = undo ? Number(bar.dataset.undoSeconds) || 10 : 4;
    showToast.timer = setTimeout(() => { toast.hidden = true; }, seconds * 1000);
  }

  let seen = live.dataset.liveSeen || null; // as of the render: a change since shows at once
  async function refresh({ markNew = false } = {}) {
    const before = new Set(rows().map((row) => row.dataset.key));
    careSwap(live, await (await careFetch(live.dataset.partialUrl)).text());
    for (const id of [...checked]) if (!live.querySelector(`.row-check[value="${id}"]`)) checked.delete(id);
    syncChecks();
    setCursor(cursorRow() || rows()[0]);
    if (!markNew) return;
    const fresh = rows().filter((row) => !before.has(row.dataset.key));
    for (const row of fresh) row.classList.add("row-new");
    if (flash && fresh.length) {
      flash.textContent = flash.dataset.template.replace("%(count)s", fresh.length);
      flash.hidden = false;
      clearTimeout(refresh.flashTimer);
      refresh.flashTimer = setTimeout(() => { flash.hidden = true; }, 4000);
    }
  }

  careEvery(Number(live.dataset.liveEvery) || 1, async () => {
    const state = await (await careFetch(live.dataset.liveUrl)).json();
    const key = `${state.latest_message_id}|${state.changed_at}`;
    if (seen === null || key === seen) { seen = key; return; }
    seen = key;
    await refresh({ markNew: true });
  }, { now: true });

  // Bulk actions: chunks of 50, a progress bar, then undo for a few seconds.
  async function runBulk(action, extra = {}) {
    const ids = [...checked];
    if (!ids.length) return;
    const group = careUuid();
    const progress = bar.querySelector("[data-bulk-progress]");
    progress.max = ids.length; progress.value = 0; progress.hidden = false;
    let changed = 0;
    for (let start = 0; start < ids.length; start += 50) {
      const result = await carePost(bar.dataset.url, { group, action, ids: ids.slice(start, start + 50), ...extra });
      if (!result.ok) { showToast(result.json.message || `Error ${result.status}`); break; }
      changed += result.json.changed;
      progress.value = Math.min(ids.length, start + 50);
    }
    progress.hidden = true;
    checked.clear();
    await refresh();
    const label = bar.querySelector(`[data-bulk="${action}"]`).textContent.trim();
    showToast(`${label}: ${changed}`, async () => {
      const result = await carePost(bar.dataset.undoUrl.replace("00000000-0000-0000-0000-000000000000", group), {});
      showToast(result.ok ? `↶ ${result.json.restored}` : result.json.message);
      await refresh();
    });
  }

  bar.addEventListener("click", (event) => {
    const button = event.target.closest("[data-bulk]");
    if (!button) return;
    const action = button.dataset.bulk;
    const extra = {};
    if (action === "tag") {
      extra.tag = bar.querySelector("#bulk-tag").value;
      if (!extra.tag) { bar.querySelector("#bulk-tag").focus(); return; }
    }
    if (action === "assign") extra.assignee = bar.querySelector("#bulk-assignee").value;
    runBulk(action, extra);
  });

  live.addEventListener("change", (event) => {
    const box = event.target.closest(".row-check");
    if (!box) return;
    if (box.checked) checked.add(box.value); else checked.delete(box.value);
    syncChecks();
  });
  live.addEventListener("click", (event) => {
    const row = event.target.closest(".conversation-row");
    if (row && !event.target.closest("a, input")) setCursor(row);
  });

  async function onCursor(action) {
    const row = cursorRow();
    if (!row) return;
    const result = await carePost(`${row.dataset.url}${action.path}`, action.data);
    showToast(result.json.message || "");
    await refresh();
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (shortcutsDialog?.open) return; // the dialog's own Esc closes it; nothing behind it acts
    if (typingInField(event)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    const list = rows();
    const index = list.findIndex((row) => row.dataset.id === cursorId);
    const row = cursorRow();
    let handled = true;
    switch (event.key) {
      case "j": setCursor(list[Math.min(list.length - 1, index + 1)] || list[0]); break;
      case "k": setCursor(list[Math.max(0, index - 1)] || list[0]); break;
      case "Enter": if (row) location.href = row.dataset.url; break;
      case "x":
        if (row) {
          if (checked.has(row.dataset.id)) checked.delete(row.dataset.id); else checked.add(row.dataset.id);
          syncChecks();
        }
        break;
      case "r": if (row) location.href = `${row.dataset.url}#reply`; break;
      case "n": if (row) location.href = `${row.dataset.url}#note`; break;
      case "e": if (row) location.href = `${row.dataset.url}#escalate`; break;
      case "a": if (checked.size) runBulk("assign", { assignee: inbox.dataset.me || "" }); else onCursor({ path: "claim", data: {} }); break;
      case "s": if (checked.size) runBulk("resolve"); else onCursor({ path: "status", data: { status: "resolved" } }); break;
      case "/": search.focus(); search.select(); break;
      default: handled = commonKeys(event);
    }
    lastKey = event.key;
    if (handled) event.preventDefault();
  });

  setCursor(rows()[0]);
  if (location.hash === "#search") search.focus();
}

// --- One conversation -----------------------------------------------------------------
const page = document.querySelector("[data-conversation]");
if (page) {
  const live = document.getElementById("conversation-live");
  const reply = page.querySelector("[data-reply-form] textarea");
  const note = document.getElementById("note-text");
  let version = page.dataset.version;
  let marks = null;
  let typedAt = 0;
  let typingSent = false;

  function showPresence(viewers) {
    const bar = live.querySelector("[data-presence]");
    if (!bar) return;
    bar.replaceChildren(document.createTextNode(`${bar.dataset.viewing} `));
    for (const viewer of viewers) {
      const span = document.createElement("span");
      span.className = `viewer${viewer.typing ? " typing" : ""}`;
      span.title = viewer.name;
      span.textContent = `^${viewer.initials}${viewer.typing ? ` ${bar.dataset.typing}` : ""}`;
      bar.append(span, " ");
    }
    bar.hidden = viewers.length === 0;
  }

  async function heartbeat() {
    const typing = Date.now() - typedAt < 5000;
    typingSent = typing;
    const result = await carePost(page.dataset.presenceUrl, { typing: typing ? "1" : "0" });
    if (!result.ok) {
      if (result.json.url) location.href = result.json.url; // merged: go where it lives on
      else if (result.json.message) showGone(result.json.message);
      return;
    }
    const state = result.json;
    const now = `${state.version}|${state.message_id}|${state.reply_id}`;
    // The first answer is compared with the version the page was rendered at, so a change
    // made between the render and the first heartbeat is not missed.
    if ((marks !== null && now !== marks) || (marks === null && state.version !== version)) {
      careSwap(live, await (await careFetch(page.dataset.partialUrl)).text());
    }
    marks = now;
    version = state.version;
    showPresence(state.viewers);
    syncSidePanel(state);
  }

  // The side panel is drawn once; keep its claim button and menus true to the case
  // (another agent may claim or resolve it), unless the agent is using that menu.
  function syncSidePanel(state) {
    const mine = String(state.assignee_id) === page.dataset.me;
    const claim = page.querySelector("[data-claim-form]");
    if (claim) claim.hidden = mine;
    const resolve = page.querySelector("[data-resolve-form]");
    if (resolve) resolve.hidden = state.status === "resolved";
    const menus = { assignee: state.assignee_id === null ? "" : String(state.assignee_id), status: state.status };
    for (const [id, value] of Object.entries(menus)) {
      const select = document.getElementById(id);
      if (select && document.activeElement !== select) select.value = value;
    }
  }

  function showGone(text) {
    const banner = document.createElement("p");
    banner.className = "callout callout-danger";
    banner.setAttribute("role", "alert");
    banner.textContent = text;
    page.prepend(banner);
  }

  careEvery(2, heartbeat, { now: true });
  reply?.addEventListener("input", () => {
    typedAt = Date.now();
    if (!typingSent) heartbeat().catch(() => {}); // others see "typing" at once
  });
  for (const box of [reply, note]) {
    box?.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) box.form.requestSubmit();
    });
  }
  // A half-written reply or note is never lost to a shortcut or a stray click: the
  // browser asks first. Sending the reply or note itself is not "leaving".
  let sending = false;
  for (const form of page.querySelectorAll("form")) {
    form.addEventListener("submit", (event) => {
      if (event.target.contains(reply) || event.target.contains(note)) sending = true;
    });
  }
  window.addEventListener("beforeunload", (event) => {
    const unsaved = [reply, note].some((box) => box && box.value.trim());
    if (unsaved && !sending) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  window.addEventListener("pagehide", () => {
    const body = new FormData();
    body.append("leaving", "1");
    body.append("csrfmiddlewaretoken", careCsrf());
    navigator.sendBeacon(page.dataset.presenceUrl, body);
  });

  const escalate = document.getElementById("escalate");
  function openEscalate() {
    if (!escalate) return;
    escalate.open = true;
    escalate.querySelector("textarea, select")?.focus();
  }
  const openDetails = (id) => {
    const details = document.getElementById(id);
    if (!details || details.hidden) return;
    details.open = true;
    details.querySelector("textarea, select")?.focus();
  };
  const focusBox = (box) => { box?.focus(); box?.scrollIntoView({ block: "center" }); };
  const byHash = { "#reply": () => focusBox(reply), "#note": () => focusBox(note), "#escalate": openEscalate };
  byHash[location.hash]?.();
  if (document.getElementById("new-activity")) document.getElementById("new-activity").scrollIntoView();

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (shortcutsDialog?.open) return; // the dialog's own Esc closes it; nothing behind it acts
    if (typingInField(event)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    let handled = true;
    switch (event.key) {
      case "r": focusBox(reply); break;
      case "n": focusBox(note); break;
      case "e": openEscalate(); break;
      case "a": page.querySelector("[data-shortcut=a]")?.click(); break;
      case "s": page.querySelector("[data-shortcut=s]")?.click(); break;
      case "o": page.querySelector("[data-shortcut=o]")?.click(); break;
      case "p": openDetails("move-private"); break;
      case "l": openDetails("log-call"); break;
      case "/": location.href = "/inbox/#search"; break;
      case "Escape": // back to the list, unless that would throw away a reply or note
        if (!reply?.value.trim() && !note?.value.trim()) location.href = "/inbox/";
        break;
      default: handled = commonKeys(event);
    }
    lastKey = event.key;
    if (handled) event.preventDefault();
  });
}

// --- The reply box's counter: as the platform counts, signature included -----------------
// The server measures (twitter-text's weighted length on X), so the box and the check
// that refuses an over-long reply always agree. The same answer carries the tone and
// sameness warnings (responses/services/tone.py): they never block, the first send with
// warnings showing only asks ("Send anyway"), the second sends. Without JS nothing asks.
(function replyCounter() {
  const form = document.querySelector("[data-reply-form][data-length-url]");
  if (!form) return;
  const box = form.querySelector("textarea");
  const counter = form.querySelector("[data-counter]");
  const privateBox = form.querySelector("input[name=private]");
  const submit = form.querySelector("button[type=submit]");
  // Made now, not with the first warning: a live region must exist before it changes.
  let list = form.querySelector(".reply-warnings");
  if (!list) {
    list = document.createElement("ul");
    list.className = "reply-warnings";
    list.setAttribute("role", "status");
    (counter.closest(".composer-foot") || counter).after(list);
  }
  list.hidden = true;
  let timer = null;
  let asked = 0;
  let checkedText = null; // the text the warnings shown are about
  let warnings = [];
  let confirmedText = null; // the text the agent was asked about once
  // The button's own words and its shortcut hint (<kbd>), to put back after asking.
  const label = submit ? [...submit.childNodes].map((node) => node.cloneNode(true)) : [];

  function showWarnings() {
    list.replaceChildren(...warnings.map((warning) => {
      const item = document.createElement("li");
      item.dataset.code = warning.code;
      item.textContent = warning.message; // the agent's words may come back: never HTML
      return item;
    }));
    list.hidden = warnings.length === 0;
  }

  function resetConfirmation() {
    confirmedText = null;
    list.classList.remove("confirm");
    if (submit && form.dataset.confirmLabel) submit.replaceChildren(...label.map((node) => node.cloneNode(true)));
  }

  async function measure() {
    const text = box.value;
    const mine = ++asked;
    const result = await carePost(form.dataset.lengthUrl, {
      text,
      private: privateBox && privateBox.checked ? "1" : "0",
    });
    if (mine !== asked) return; // a newer keystroke asked again; its answer counts
    if (!result.ok) return;
    const { left, signature } = result.json;
    const over = left < 0;
    const shown = over
      ? form.dataset.overTemplate.replace("%(over)s", String(-left))
      : form.dataset.leftTemplate.replace("%(left)s", String(left));
    const signed = signature ? ` · ${form.dataset.signedTemplate.replace("%(signature)s", signature.trim())}` : "";
    counter.textContent = shown + signed;
    counter.classList.toggle("over", over);
    if (submit) submit.disabled = over;
    warnings = result.json.warnings || [];
    checkedText = text;
    showWarnings();
  }
  function soon() {
    clearTimeout(timer);
    timer = setTimeout(measure, 150);
  }
  box.addEventListener("input", () => {
    if (confirmedText !== null && box.value !== confirmedText) resetConfirmation();
    soon();
  });
  if (privateBox) privateBox.addEventListener("change", soon);

  // Capture on the document: this runs before the form's own submit listeners, so a
  // held-back send is not mistaken for a sent one (the page's "leave?" guard).
  let checking = false;
  document.addEventListener("submit", async (event) => {
    if (event.target !== form) return;
    const text = box.value;
    if (checkedText !== text) {
      // Sent before the pause in typing was checked: check now, then decide.
      event.preventDefault();
      event.stopPropagation();
      if (checking) return;
      checking = true;
      clearTimeout(timer);
      try { await measure(); } catch (error) { /* offline: the check never blocks */ }
      checking = false;
      if (checkedText !== text) { checkedText = text; warnings = []; }
      if (submit?.disabled) return;
      form.requestSubmit();
      return;
    }
    if (warnings.length === 0 || confirmedText === text) return; // nothing to ask, or asked
    event.preventDefault();
    event.stopPropagation();
    confirmedText = text;
    list.classList.add("confirm");
    if (submit && form.dataset.confirmLabel) {
      const hint = submit.querySelector("kbd");
      submit.replaceChildren(form.dataset.confirmLabel, ...(hint ? [" ", hint] : []));
    }
    list.scrollIntoView({ block: "nearest" });
  }, true);
  measure();
})();
