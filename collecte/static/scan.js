// The scan station: a keyboard-wedge scanner types a code then Enter into one input that keeps
// the focus; each scan is posted as JSON with the session's CSRF token in a header, with the
// sticky action mode; the answer is shown in colour and in words with a shape, heard as a beep,
// said to screen readers, and listed.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("scan-config").textContent);
  const text = config.messages;
  const $ = (id) => document.getElementById(id);
  const form = $("scan-form");
  const input = $("scan-input");
  const modeSelect = $("scan-mode");
  const siteField = $("scan-site-field");
  const siteSelect = $("scan-site");
  const reasonField = $("scan-reason-field");
  const reasonInput = $("scan-reason");
  // The "allocate to a request" mode, offered to those who allocate (absent otherwise).
  const requestField = $("scan-request-field");
  const requestSelect = $("scan-request");
  const banner = $("mode-banner");
  const feedback = $("scan-feedback");
  const history = $("scan-history");
  const queue = [];
  const MODE_KEY = "collecte.scan.mode";

  // --- the input keeps the focus -------------------------------------------------------------
  const CONTROLS = "input, select, textarea, button, a, summary, label";

  function refocus() {
    const active = document.activeElement;
    if (!active || active === document.body || active === document.documentElement) {
      input.focus();
    }
  }

  input.addEventListener("blur", () => setTimeout(refocus, 0));
  window.addEventListener("focus", () => setTimeout(refocus, 0));
  document.addEventListener("click", (event) => {
    if (!event.target.closest(CONTROLS)) input.focus();
  });

  // --- the sticky mode ---------------------------------------------------------------------------
  function mode() {
    return {
      action: modeSelect.value,
      siteId: siteSelect.value,
      reason: reasonInput.value.trim(),
      requestId: requestSelect ? requestSelect.value : "",
    };
  }

  function showMode() {
    const action = modeSelect.value;
    siteField.hidden = action !== "move";
    reasonField.hidden = action !== "hold";
    if (requestField) requestField.hidden = action !== "allocate";
    let words = modeSelect.options[modeSelect.selectedIndex].textContent.trim();
    if (action === "move" && siteSelect.value) {
      words += " — " + siteSelect.options[siteSelect.selectedIndex].textContent.trim();
    }
    if (action === "hold" && reasonInput.value.trim()) {
      words += " — " + reasonInput.value.trim();
    }
    if (action === "allocate" && requestSelect && requestSelect.value) {
      words += " — " + requestSelect.options[requestSelect.selectedIndex].textContent.trim();
    }
    banner.textContent = words;
    banner.dataset.mode = action ? action.split(":")[0] : "lookup";
    document.getElementById("print-queue").hidden = action !== "print_label" && queue.length === 0;
    try {
      sessionStorage.setItem(
        MODE_KEY,
        JSON.stringify({
          action,
          siteId: siteSelect.value,
          reason: reasonInput.value,
          requestId: requestSelect ? requestSelect.value : "",
        })
      );
    } catch (_) {
      /* private browsing: the mode just is not remembered across reloads */
    }
  }

  function restoreMode() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(MODE_KEY) || "null");
      if (saved) {
        modeSelect.value = saved.action || "";
        siteSelect.value = saved.siteId || "";
        reasonInput.value = saved.reason || "";
        if (requestSelect) requestSelect.value = saved.requestId || "";
      }
    } catch (_) {
      /* nothing saved */
    }
    if (modeSelect.selectedIndex < 0) modeSelect.value = "";
    if (requestSelect && requestSelect.selectedIndex < 0) requestSelect.value = "";
    showMode();
  }

  function afterMode() {
    if (modeSelect.value === "move" && !siteSelect.value) siteSelect.focus();
    else if (modeSelect.value === "allocate" && requestSelect && !requestSelect.value) {
      requestSelect.focus();
    }
    else if (modeSelect.value === "hold" && !reasonInput.value.trim()) reasonInput.focus();
    else input.focus();
  }

  // Chosen with the mouse (or a picker), a list sends the focus on at once; stepped through with
  // the arrow keys, it keeps the focus until Enter, so that each step is not taken for a choice.
  function onChosen(select, then) {
    let stepping = false;
    select.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        then();
      } else {
        stepping = true;
      }
    });
    select.addEventListener("keyup", () => {
      stepping = false;
    });
    select.addEventListener("change", () => {
      showMode();
      if (!stepping) then();
    });
  }

  onChosen(modeSelect, afterMode);
  onChosen(siteSelect, () => input.focus());
  if (requestSelect) onChosen(requestSelect, () => input.focus());
  reasonInput.addEventListener("input", showMode);
  reasonInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      input.focus();
    }
  });

  // --- sound: a short high beep for OK, two for a repeat, a long low one for an error ---------
  let audio = null;

  function beep(kind) {
    feedback.dataset.sound = kind;
    const AudioContext = window.AudioContext || window.webkitAudioContext;
    if (!AudioContext) return;
    try {
      audio = audio || new AudioContext();
      if (audio.state === "suspended") audio.resume();
      const tones = {
        ok: [[1320, 0.12]],
        duplicate: [[880, 0.08], [880, 0.08]],
        error: [[220, 0.45]],
      }[kind];
      let start = audio.currentTime + 0.01;
      for (const [frequency, seconds] of tones) {
        const oscillator = audio.createOscillator();
        const gain = audio.createGain();
        oscillator.type = kind === "error" ? "square" : "sine";
        oscillator.frequency.value = frequency;
        gain.gain.setValueAtTime(0.25, start);
        gain.gain.exponentialRampToValueAtTime(0.001, start + seconds);
        oscillator.connect(gain).connect(audio.destination);
        oscillator.start(start);
        oscillator.stop(start + seconds);
        start += seconds + 0.07;
      }
    } catch (_) {
      /* no audio device: the words and shapes still tell */
    }
  }

  // --- feedback ------------------------------------------------------------------------------------
  // Each outcome is told by a shape and a word as well as by colour and sound, and said to screen
  // readers: a success or a repeat in the polite status region, a refusal in the alert region.
  const OUTCOMES = {
    ok: { icon: "✓", word: text.ok, region: "scan-announce" },
    duplicate: { icon: "!", word: text.duplicate_short, region: "scan-announce" },
    error: { icon: "✗", word: text.refused, region: "scan-alert" },
  };
  const COLON = config.lang === "fr" ? " : " : ": ";
  let announced = 0;

  function announce(outcome, title, device, detail) {
    const words = [outcome.word + COLON + title];
    if (device) words.push(device.code_display + ", " + device.status_label);
    if (detail) words.push(detail);
    const region = $(outcome.region);
    const other = $(outcome.region === "scan-alert" ? "scan-announce" : "scan-alert");
    other.textContent = "";
    region.textContent = "";
    // Emptied first, filled a moment later: the same words twice in a row are said twice.
    const turn = ++announced;
    setTimeout(() => {
      if (turn === announced) region.textContent = words.join(". ");
    }, 50);
  }

  function show(state, title, device, detail, nextActions) {
    feedback.className = "scan-feedback " + state;
    feedback.dataset.state = state;
    const outcome = OUTCOMES[state.split(" ")[0]] || OUTCOMES.error;
    $("feedback-outcome").hidden = false;
    $("feedback-icon").textContent = outcome.icon;
    $("feedback-word").textContent = outcome.word;
    $("feedback-title").textContent = title;
    announce(outcome, title, device, detail);
    const box = $("feedback-device");
    box.hidden = !device;
    if (device) {
      const code = $("feedback-code");
      code.textContent = device.code_display;
      code.href = device.url;
      code.title = text.open;
      const status = $("feedback-status");
      status.textContent = device.status_label;
      status.className = "badge status status-" + device.status;
      $("feedback-hold").hidden = !device.hold_reason;
      $("feedback-hold").title = device.hold_reason || "";
      $("feedback-what").textContent = [
        device.category_label,
        [device.brand, device.model].join(" ").trim(),
        device.serial,
      ].filter(Boolean).join(" · ");
      $("feedback-next").textContent =
        nextActions && nextActions.length ? text.next_actions + " " + nextActions.join(", ") : "";
    }
    const detailBox = $("feedback-detail");
    detailBox.hidden = !detail;
    detailBox.textContent = detail || "";
  }

  function remember(raw, device, action, state, result) {
    const row = document.createElement("tr");
    row.className = "scan-row " + state;
    const cells = [
      [new Date().toLocaleTimeString(config.lang), "time"],
      [device ? device.code_display : raw, "code"],
      [device ? [device.brand, device.model].join(" ") : "", "device"],
      [action, "action"],
      [result, "result"],
    ];
    const headers = Array.from(document.querySelectorAll(".scan-history thead th"));
    cells.forEach(([value, name], index) => {
      const cell = document.createElement("td");
      cell.dataset.label = headers[index] ? headers[index].textContent : "";
      cell.textContent = value;
      cell.className = name;
      row.appendChild(cell);
    });
    history.prepend(row);
    $("history-empty").hidden = true;
  }

  function actionWords(action) {
    if (!action) return text.lookup;
    const option = modeSelect.querySelector(`option[value="${CSS.escape(action)}"]`);
    return option ? option.textContent.trim() : action;
  }

  // --- the print queue --------------------------------------------------------------------------------
  function addToQueue(device) {
    if (!queue.includes(device.code)) queue.push(device.code);
    $("queue-count").textContent = String(queue.length);
    $("queue-codes").textContent = queue.map((c) => c.slice(0, 4) + " " + c.slice(4)).join(", ");
    $("queue-input").value = queue.join(",");
    $("print-queue").hidden = false;
  }

  $("queue-clear").addEventListener("click", () => {
    queue.length = 0;
    $("queue-count").textContent = "0";
    $("queue-codes").textContent = "";
    $("queue-input").value = "";
    showMode();
    input.focus();
  });
  $("queue-form").addEventListener("submit", () => setTimeout(() => input.focus(), 0));

  // --- one scan ---------------------------------------------------------------------------------------
  function errorTitle(kind) {
    if (kind === "invalid_code") return text.invalid_code;
    if (kind === "not_found") return text.not_found;
    if (kind === "login_required" || kind === "not_authenticated" || kind === "forbidden") {
      return text.session;
    }
    return text.refused;
  }

  function shortError(kind, detail) {
    if (kind === "invalid_code") return text.invalid_short;
    if (kind === "not_found") return text.unknown_short;
    return errorTitle(kind) + " : " + detail;
  }

  async function submit(raw, current) {
    const words = actionWords(current.action);
    if (current.action === "move" && !current.siteId) {
      show("error", text.need_site, null, "", null);
      beep("error");
      remember(raw, null, words, "error", text.need_site);
      return;
    }
    if (current.action === "hold" && !current.reason) {
      show("error", text.need_reason, null, "", null);
      beep("error");
      remember(raw, null, words, "error", text.need_reason);
      return;
    }
    if (current.action === "allocate" && !current.requestId) {
      show("error", text.need_request, null, "", null);
      beep("error");
      remember(raw, null, words, "error", text.need_request);
      return;
    }
    const body = { code: raw };
    if (current.action) body.action = current.action;
    if (current.action === "move") body.site_id = Number(current.siteId);
    if (current.action === "allocate") body.request_id = Number(current.requestId);
    if (current.action === "hold") body.reason = current.reason;
    let response;
    let data;
    try {
      response = await fetch("/scan/submit", {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRF-Token": config.csrf,
        },
        body: JSON.stringify(body),
      });
      data = await response.json();
    } catch (_) {
      show("error", text.network, null, "", null);
      beep("error");
      remember(raw, null, words, "error", text.network);
      return;
    }
    if (response.ok && data.device) {
      const device = data.device;
      if (data.duplicate) {
        show("duplicate", text.duplicate, device, "", data.allowed_labels);
        beep("duplicate");
        remember(raw, device, words, "duplicate", text.duplicate_short);
        return;
      }
      if (current.action === "print_label") addToQueue(device);
      let title = text.found;
      if (data.applied === "print_label") title = text.queued;
      else if (data.applied) title = text.applied + " " + data.applied_label;
      show("ok", title, device, "", data.allowed_labels);
      beep("ok");
      remember(raw, device, words, "ok", text.ok);
      return;
    }
    const kind = (data && data.error) || "error";
    const detail = (data && data.detail) || String(response.status);
    show("error " + kind.replace(/_/g, "-"), errorTitle(kind), null, detail, null);
    beep("error");
    remember(raw, null, words, "error", shortError(kind, detail));
  }

  // Scans are sent one after another, in the order they were made, even when a scanner fires
  // faster than the server answers.
  let chain = Promise.resolve();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const raw = input.value;
    input.value = "";
    input.focus();
    if (!raw.trim()) return;
    const current = mode();
    chain = chain.then(() => submit(raw, current));
  });

  restoreMode();
  input.focus();
})();
