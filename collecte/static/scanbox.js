// Scanning into a page's form (picking a parcel, confirming a delivery, a hand-over): the pages
// work without this script; it adds the station's beep, keeps the scan input focused, and shows a
// ticked device as received at once.
(function () {
  "use strict";

  const input = document.getElementById("scan-input");
  const result = document.querySelector("[data-beep]");

  // A short high beep for OK, a long low one for a refusal (as on the scan station).
  if (result) {
    const AudioContext = window.AudioContext || window.webkitAudioContext;
    if (AudioContext) {
      try {
        const audio = new AudioContext();
        const error = result.dataset.beep === "error";
        const oscillator = audio.createOscillator();
        const gain = audio.createGain();
        const start = audio.currentTime + 0.01;
        const seconds = error ? 0.45 : 0.12;
        oscillator.type = error ? "square" : "sine";
        oscillator.frequency.value = error ? 220 : 1320;
        gain.gain.setValueAtTime(0.25, start);
        gain.gain.exponentialRampToValueAtTime(0.001, start + seconds);
        oscillator.connect(gain).connect(audio.destination);
        oscillator.start(start);
        oscillator.stop(start + seconds);
      } catch (_) {
        /* no audio device (or no gesture yet): the colour still tells */
      }
    }
  }

  if (input) {
    const CONTROLS = "input, select, textarea, button, a, summary, label";
    document.addEventListener("click", (event) => {
      if (!event.target.closest(CONTROLS)) input.focus();
    });
  }

  // The delivery confirmation: a ticked device shows as received, and the count follows.
  const list = document.getElementById("receive-list");
  if (list) {
    const count = document.querySelector("#received-count .figure");
    list.addEventListener("change", (event) => {
      const box = event.target;
      if (box.name !== "received") return;
      box.closest(".receive-item").classList.toggle("received", box.checked);
      if (count) count.textContent = String(list.querySelectorAll("input[name=received]:checked").length);
    });
  }
})();
