// Ask before publishing or withdrawing.
document.querySelectorAll("form.confirm").forEach((form) => {
  form.addEventListener("submit", (event) => { if (!window.confirm(form.dataset.confirm)) event.preventDefault(); });
});
