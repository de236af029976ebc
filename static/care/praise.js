// Praise and goodwill on the conversation page: `t` presses "Thank & like" (shown on
// praise), and "Insert in reply" puts a goodwill code at the end of the reply box. Both
// are plain forms and buttons underneath; the server does the work
// (responses/services/praise.py, goodwill.py).
"use strict";

(function praise() {
  const page = document.querySelector(".conversation-page");
  if (!page) return;
  const replyBox = page.querySelector("form[data-reply-form] textarea");

  const typing = (el) => el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
  document.addEventListener("keydown", (event) => {
    if (event.key !== "t" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target) || document.querySelector("dialog[open]")) return;
    const button = page.querySelector("[data-shortcut=t]");
    if (!button || button.disabled) return;
    event.preventDefault();
    button.disabled = true; // one keystroke, one thanks: a held key does not repeat it
    button.form.requestSubmit ? button.form.requestSubmit() : button.form.submit();
  });

  for (const button of page.querySelectorAll("[data-insert-code]")) {
    button.addEventListener("click", () => {
      if (!replyBox) return;
      const code = button.dataset.insertCode; // as text: never parsed as HTML
      const text = replyBox.value;
      const gap = text && !/\s$/.test(text) ? " " : "";
      replyBox.value = text + gap + code;
      // The counter and the tone check listen to input.
      replyBox.dispatchEvent(new Event("input", { bubbles: true }));
      replyBox.focus();
      replyBox.setSelectionRange(replyBox.value.length, replyBox.value.length);
    });
  }
})();
