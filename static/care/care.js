// care's small shared script: progressive enhancements only; every page works without it.
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-autosubmit]");
  if (select) select.form.submit();
});

// --- Live pages: poll, then swap in server-rendered HTML (escaped by Django) ------------
// A region marked data-refresh-url (the Channels board) is fetched again every
// data-refresh-every seconds; the inbox pages (inbox.js) ask a cheap JSON endpoint first.
// Hidden tabs skip their turn. A redirect (session expired) is never swapped in.
async function careFetch(url) {
  const response = await fetch(url, {
    headers: { "X-Requested-With": "fetch" },
    cache: "no-store",
    credentials: "same-origin",
  });
  if (!response.ok || response.redirected) throw new Error(`${url}: ${response.status}`);
  return response;
}

function careSwap(region, html) {
  // Keep the <details> a reader opened, across the swap.
  const open = [...region.querySelectorAll("details[open][id]")].map((d) => d.id);
  region.innerHTML = html;
  for (const id of open) {
    const details = document.getElementById(id);
    if (details) details.open = true;
  }
}

function careEvery(seconds, job, { now = false } = {}) {
  const tick = async () => {
    if (!document.hidden) {
      try {
        await job();
      } catch (error) {
        // Keep showing the last good state; the next tick tries again.
      }
    }
    setTimeout(tick, seconds * 1000);
  };
  setTimeout(tick, now ? 0 : seconds * 1000);
}

for (const region of document.querySelectorAll("[data-refresh-url]")) {
  careEvery(Number(region.dataset.refreshEvery) || 5, async () => {
    const response = await careFetch(region.dataset.refreshUrl);
    careSwap(region, await response.text());
  });
}

// Connect form: show the token fields of the chosen platform only (all show without JS).
for (const form of document.querySelectorAll("[data-platform-form]")) {
  const sync = () => {
    const chosen = form.querySelector("input[name=platform]:checked");
    for (const part of form.querySelectorAll("[data-platform]")) {
      const on = !chosen || part.dataset.platform === chosen.value;
      part.hidden = !on;
      for (const input of part.querySelectorAll("input")) input.disabled = !on;
    }
  };
  form.addEventListener("change", sync);
  sync();
}

// A customer's avatar lives on the platform; when it cannot load, the initial shows.
document.addEventListener("error", (event) => {
  if (event.target.classList && event.target.classList.contains("avatar-img")) event.target.remove();
}, true);

// --- The bell: its unread count stays current on every page -----------------------------
(function liveBell() {
  const bell = document.querySelector("[data-bell]");
  if (!bell) return;
  const every = Math.max(1, Number(bell.dataset.every || 15)) * 1000;
  function show(unread) {
    let count = bell.querySelector(".bell-count");
    bell.classList.toggle("bell-unread", unread > 0);
    if (unread <= 0) {
      if (count) count.remove();
      return;
    }
    if (!count) {
      count = document.createElement("span");
      count.className = "bell-count";
      bell.append(count);
    }
    // Text nodes only: nothing from the server is parsed as HTML here.
    count.textContent = String(unread);
    const label = document.createElement("span");
    label.className = "visually-hidden";
    label.textContent = ` ${bell.dataset.unreadLabel || "unread"}`;
    count.append(label);
  }
  async function poll() {
    if (!document.hidden) {
      try {
        const data = await (await careFetch(bell.dataset.countUrl)).json();
        show(Number(data.unread) || 0);
      } catch (error) {
        // Offline or logged out: keep the last number; the next turn tries again.
      }
    }
    setTimeout(poll, every);
  }
  setTimeout(poll, every);
})();
