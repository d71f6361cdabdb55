// Loket playground web chat: a plain-DOM client of the emulator's /chat/api/*.
// The bot's HTML arrives already parsed into a tree of Telegram's allowed tags; it is rendered
// with createElement/textContent only, so nothing the bot or a user types can run as markup.
"use strict";

(function () {
  const params = new URLSearchParams(location.search);
  const userId = parseInt(params.get("user") || localStorage.getItem("loket.user") || "20001", 10) || 20001;
  const userName = params.get("name") || localStorage.getItem("loket.name") || "Demo";

  const $messages = document.getElementById("messages");
  const $status = document.getElementById("status");
  const $text = document.getElementById("text");
  const $composer = document.getElementById("composer");
  const $notice = document.getElementById("notice");
  const $botName = document.getElementById("bot-name");
  const $empty = document.getElementById("empty");
  const rendered = new Map(); // message_id -> element
  let since = 0;
  let typing = false;
  let typingTimer = null;
  let noticeTimer = null;
  let online = false;
  let sandboxPay = false; // the demo's gateway sandbox can pay a QR (play money, never a real one)

  document.getElementById("user-id").value = String(userId);
  document.getElementById("user-name").value = userName;

  async function api(path, body) {
    const response = await fetch(path, body === undefined ? {} : {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({ ok: false, error: "bad response" }));
    if (!response.ok || !data.ok) throw new Error(data.error || ("HTTP " + response.status));
    return data;
  }

  function showStatus() {
    if (!online) $status.textContent = "offline — mencoba lagi…";
    else if (typing) $status.textContent = "mengetik…";
    else $status.textContent = "online · Anda pengguna " + userId;
    $status.classList.toggle("typing", online && typing);
  }

  function showError(text) {
    const line = document.createElement("div");
    line.className = "error-line";
    line.textContent = text;
    $messages.appendChild(line);
    $empty.hidden = true;
    scrollDown();
  }

  function scrollDown() {
    $messages.scrollTop = $messages.scrollHeight;
  }

  const SIMPLE = { b: "b", i: "i", u: "u", s: "s", code: "code", pre: "pre", blockquote: "blockquote" };

  function renderNodes(nodes, parent) {
    for (const node of nodes) {
      if (typeof node === "string") {
        parent.appendChild(document.createTextNode(node));
        continue;
      }
      if (!node || typeof node !== "object") continue;
      let el;
      if (SIMPLE[node.tag]) {
        el = document.createElement(SIMPLE[node.tag]);
      } else if (node.tag === "a" && typeof node.href === "string" && /^https?:\/\//i.test(node.href)) {
        el = document.createElement("a");
        el.href = node.href;
        el.target = "_blank";
        el.rel = "noopener noreferrer";
      } else if (node.tag === "spoiler") {
        el = document.createElement("span");
        el.className = "spoiler";
        el.title = "spoiler: klik untuk melihat";
        el.addEventListener("click", () => el.classList.add("shown"));
      } else {
        el = document.createElement("span"); // links we can't open, custom emoji: text only
      }
      renderNodes(Array.isArray(node.children) ? node.children : [], el);
      parent.appendChild(el);
    }
  }

  function renderBody(msg) {
    const body = document.createElement("div");
    body.className = "body";
    if (msg.rich) renderNodes(msg.rich, body);
    else body.textContent = msg.plain || "";
    return body;
  }

  function renderKeyboard(msg) {
    const rows = document.createElement("div");
    rows.className = "kb-rows";
    for (const row of msg.buttons || []) {
      const line = document.createElement("div");
      line.className = "kb-row";
      for (const button of row) {
        let el;
        if (button.url) {
          el = document.createElement("a");
          el.href = /^https?:\/\//i.test(button.url) ? button.url : "#";
          el.target = "_blank";
          el.rel = "noopener noreferrer";
        } else {
          el = document.createElement("button");
          el.type = "button";
          if (button.callback_data !== undefined) {
            el.dataset.data = button.callback_data;
            el.addEventListener("click", () => tap(msg.message_id, button.callback_data, el));
          } else {
            el.disabled = true;
          }
        }
        el.className = "kb";
        el.textContent = button.text;
        line.appendChild(el);
      }
      rows.appendChild(line);
    }
    return rows;
  }

  // Sandbox only, and labelled so: the demo's gateway sandbox pays this QR as a customer's
  // wallet app would, and its notification reaches the bot like Midtrans's.
  function renderSandboxPay(msg) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "sandbox-pay";
    button.textContent = "🧪 Bayar QR ini (sandbox, uang mainan)";
    button.title = "Hanya di demo: gateway sandbox membayar QR ini. QR sungguhan dibayar dengan aplikasi dompet.";
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const answer = await api("/chat/api/sandbox_pay", { user_id: userId, message_id: msg.message_id });
        showNotice({ text: answer.result, show_alert: false });
      } catch (error) {
        showError("Sandbox: " + error.message);
      } finally {
        setTimeout(() => { button.disabled = false; }, 800);
      }
    });
    return button;
  }

  function renderMessage(msg) {
    const el = document.createElement("div");
    el.className = "msg " + (msg.from === "bot" ? "bot" : "user");
    el.id = "msg-" + msg.message_id;
    el.dataset.messageId = String(msg.message_id);
    el.dataset.version = String(msg.version);
    if (msg.photo) {
      const img = document.createElement("img");
      img.className = "photo";
      img.src = msg.photo;
      img.alt = "QR";
      el.appendChild(img);
    }
    el.appendChild(renderBody(msg));
    if (msg.photo && msg.from === "bot" && sandboxPay) el.appendChild(renderSandboxPay(msg));
    if (msg.buttons && msg.buttons.length) el.appendChild(renderKeyboard(msg));
    const meta = document.createElement("div");
    meta.className = "meta";
    const time = new Date(msg.date * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    meta.textContent = (msg.edited ? "edited · " : "") + time;
    el.appendChild(meta);
    return el;
  }

  function applyMessage(msg) {
    const old = rendered.get(msg.message_id);
    const el = renderMessage(msg);
    if (old) {
      old.replaceWith(el); // edits happen in place, like in Telegram
    } else {
      const later = [...rendered.entries()].filter(([id]) => id > msg.message_id).sort((a, b) => a[0] - b[0]);
      if (later.length) $messages.insertBefore(el, later[0][1]);
      else $messages.appendChild(el);
    }
    rendered.set(msg.message_id, el);
  }

  function showEmptyHint() {
    $empty.hidden = rendered.size > 0 || $messages.querySelector(".error-line") !== null;
  }

  function showNotice(notice) {
    if (notice.show_alert) {
      window.alert(notice.text);
      return;
    }
    $notice.textContent = notice.text;
    $notice.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { $notice.hidden = true; }, 3000);
  }

  function applyState(state) {
    if (state.bot && state.bot.first_name) $botName.textContent = state.bot.first_name;
    sandboxPay = !!state.sandbox_pay;
    const atBottom = $messages.scrollHeight - $messages.scrollTop - $messages.clientHeight < 60;
    for (const msg of state.messages) applyMessage(msg);
    showEmptyHint();
    for (const notice of state.notices || []) if (since > 0) showNotice(notice);
    typing = !!state.typing;
    clearTimeout(typingTimer);
    if (typing) typingTimer = setTimeout(() => { typing = false; showStatus(); }, 5000);
    since = Math.max(since, state.seq);
    online = true;
    showStatus();
    if (atBottom || state.messages.length) scrollDown();
  }

  async function poll() {
    let wait = 0; // the first answer comes at once, so the page shows the chat straight away
    for (;;) {
      try {
        const state = await api("/chat/api/state?user_id=" + userId + "&since=" + since + "&wait=" + wait);
        applyState(state);
        wait = 20;
      } catch (error) {
        online = false;
        showStatus();
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  async function send(text) {
    if (!text.trim()) return;
    try {
      await api("/chat/api/send", { user_id: userId, text: text, first_name: userName });
    } catch (error) {
      showError("Tidak terkirim: " + error.message);
    }
  }

  async function tap(messageId, data, el) {
    el.disabled = true;
    try {
      await api("/chat/api/tap", { user_id: userId, message_id: messageId, data: data });
    } catch (error) {
      showError("Tombol gagal: " + error.message);
    } finally {
      setTimeout(() => { el.disabled = false; }, 800);
    }
  }

  $composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $text.value;
    $text.value = "";
    send(text);
    $text.focus();
  });

  // One click copies the example (a bare number is what the guided flow asks for); a double
  // click sends it at once, a bare number as a reseller check of its product, which the bot
  // understands at any point of the chat.
  function exampleMessage(example) {
    const text = example.textContent.trim();
    const list = example.closest("[data-product]");
    return list && /^[0-9]+$/.test(text) ? "CEK." + list.dataset.product + "." + text : text;
  }

  for (const example of document.querySelectorAll(".example")) {
    example.title = "klik: salin · klik dua kali: kirim " + exampleMessage(example);
    example.addEventListener("click", () => { $text.value = example.textContent.trim(); $text.focus(); });
    example.addEventListener("dblclick", () => { $text.value = ""; send(exampleMessage(example)); });
  }

  document.getElementById("who").addEventListener("submit", (event) => {
    event.preventDefault();
    const id = parseInt(document.getElementById("user-id").value, 10);
    const name = document.getElementById("user-name").value.trim() || "Demo";
    if (!(id > 0)) return;
    localStorage.setItem("loket.user", String(id));
    localStorage.setItem("loket.name", name);
    location.search = "?user=" + id + "&name=" + encodeURIComponent(name);
  });

  showStatus();
  poll();
})();
