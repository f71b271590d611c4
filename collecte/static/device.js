// The device page: preview the grade the two axes give, from the table the server drew.
(function () {
  "use strict";
  const form = document.querySelector(".grade-form");
  if (!form) return;
  const functional = form.querySelector('[data-grade-axis="functional"]');
  const cosmetic = form.querySelector('[data-grade-axis="cosmetic"]');
  const preview = document.getElementById("grade-preview");

  function update() {
    form.querySelectorAll(".grade-matrix td.picked").forEach((cell) => cell.classList.remove("picked"));
    const cell = form.querySelector(
      `.grade-matrix td[data-f="${functional.value}"][data-c="${cosmetic.value}"]`
    );
    preview.textContent = cell ? cell.textContent : "—";
    preview.className = cell ? "grade-" + cell.textContent : "";
    if (cell) cell.classList.add("picked");
  }

  functional.addEventListener("change", update);
  cosmetic.addEventListener("change", update);
  update();
})();
