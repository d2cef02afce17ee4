// An audit run's page: follow its progress while it runs; select every finding of the page.
const run = document.getElementById("run");
if (run && (run.dataset.state === "queued" || run.dataset.state === "running")) {
  const poll = async () => {
    try {
      const answer = await fetch(`/v1/audits/${run.dataset.run}`, { credentials: "same-origin" });
      if (answer.ok) {
        const body = await answer.json();
        if (body.state === "done" || body.state === "failed") { window.location.reload(); return; }
        document.getElementById("run-progress").value = body.progress;
        document.getElementById("run-stage").textContent = body.stage;
      }
    } catch (error) { /* the next poll tries again */ }
    window.setTimeout(poll, 2000);
  };
  window.setTimeout(poll, 2000);
}
const all = document.getElementById("select-all");
if (all) {
  all.addEventListener("change", () => {
    document.querySelectorAll("input[name=finding_id]").forEach((box) => { box.checked = all.checked; });
  });
}
