// Images in the reply box: a thumbnail, the name and a remove button for each file
// chosen. The server checks and cleans them (responses/services/attachments.py); this
// file only shows what will be sent and lets the agent take one out before sending.
// File names go in as text (textContent), never parsed as HTML.
(function replyImages() {
  const box = document.querySelector("form[data-reply-form] [data-attachments]");
  const input = box?.querySelector("input[type=file]");
  const list = box?.querySelector("[data-previews]");
  if (!box || !input || !list) return;

  const style = document.createElement("style");
  style.textContent = `
    .reply-images { display: flex; flex-wrap: wrap; gap: .35rem .75rem; align-items: center; margin-top: .5rem; }
    .attachment-previews { display: flex; flex-wrap: wrap; gap: .5rem; width: 100%; margin: 0; padding: 0; list-style: none; }
    .attachment-previews li { display: flex; gap: .4rem; align-items: center; padding: .25rem .4rem;
      border: 1px solid #cbd5e1; border-radius: 6px; background: #fff; max-width: 16rem; }
    .attachment-previews img { width: 3rem; height: 3rem; object-fit: cover; border-radius: 4px; }
    .attachment-previews .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-size: .85rem; }
  `;
  document.head.append(style);

  let urls = [];

  function show() {
    urls.forEach((url) => URL.revokeObjectURL(url));
    urls = [];
    const files = [...input.files];
    list.replaceChildren(...files.map((file, index) => {
      const item = document.createElement("li");
      const thumb = document.createElement("img");
      const url = URL.createObjectURL(file);
      urls.push(url);
      thumb.src = url;
      thumb.alt = ""; // the name next to it says what it is
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = file.name;
      name.title = file.name;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "linkbutton small";
      remove.textContent = "×";
      remove.setAttribute("aria-label", box.dataset.removeTemplate.replace("%(name)s", file.name));
      remove.addEventListener("click", () => drop(index));
      item.append(thumb, name, remove);
      return item;
    }));
    list.hidden = files.length === 0;
  }

  // A file input's list cannot be edited: build a new one without the removed file.
  function drop(index) {
    const kept = new DataTransfer();
    [...input.files].forEach((file, i) => { if (i !== index) kept.items.add(file); });
    input.files = kept.files;
    show();
    const buttons = list.querySelectorAll("button");
    (buttons[Math.min(index, buttons.length - 1)] || input).focus(); // focus stays nearby
  }

  input.addEventListener("change", show);
  show(); // a page drawn again after a refusal may keep the browser's choice
})();
