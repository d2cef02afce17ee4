// Check one bill (JSON) or a batch (NDJSON) against POST /v1/bills/validate; show and export the findings.
(function () {
  const text = document.getElementById("bill-json"), file = document.getElementById("bill-file");
  const checkButton = document.getElementById("check"), download = document.getElementById("download");
  const errorBox = document.getElementById("error"), result = document.getElementById("result");
  const summary = document.getElementById("summary"), body = document.querySelector("#findings tbody");
  const LEVELS = { violation: "违规", suspect: "可疑", info: "提示" };
  let rows = [];

  file.addEventListener("change", async () => { if (file.files[0]) text.value = await file.files[0].text(); });

  function showError(message) { errorBox.textContent = message; errorBox.hidden = false; }

  function parseBills(raw) {
    const trimmed = raw.trim();
    if (!trimmed) throw new Error("请粘贴单据 JSON 或选择文件");
    try { const one = JSON.parse(trimmed); return Array.isArray(one) ? one : [one]; }
    catch (whole) {
      return trimmed.split(/\r?\n/).filter((l) => l.trim()).map((line, i) => {
        try { return JSON.parse(line); } catch (e) { throw new Error("第 " + (i + 1) + " 行不是有效的 JSON：" + e.message); }
      });
    }
  }

  function cell(value, cls) { const td = document.createElement("td"); td.textContent = value ?? ""; if (cls) td.className = cls; return td; }

  async function check() {
    errorBox.hidden = true; result.hidden = true; download.disabled = true; rows = []; body.replaceChildren();
    let bills;
    try { bills = parseBills(text.value); } catch (e) { showError(e.message); return; }
    let charged = 0, atRisk = 0; const outcomes = { pass: 0, suspect: 0, violation: 0 };
    for (const [index, bill] of bills.entries()) {
      const response = await fetch("/v1/bills/validate", {
        method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" }, body: JSON.stringify(bill) });
      const answer = await response.json().catch(() => ({ message: response.statusText }));
      if (!response.ok) {
        const fields = (answer.fields || []).map((f) => f.field + "：" + f.reason).join("；");
        showError("第 " + (index + 1) + " 张单据" + (bill && bill.bill_id ? "（" + bill.bill_id + "）" : "") + "无法审核：" + answer.message + (fields ? "（" + fields + "）" : ""));
        continue;
      }
      outcomes[answer.outcome] += 1; charged += Number(answer.totals.charged); atRisk += Number(answer.totals.at_risk);
      for (const f of answer.findings) {
        rows.push([answer.bill_id, f.rule, LEVELS[f.result], f.line_ids.join(" "), f.expected, f.charged, f.amount_at_risk, f.message,
                   [f.basis.document, f.basis.seq ? "第" + f.basis.seq + "行" : "", f.basis.text].filter(Boolean).join(" ")]);
        const tr = document.createElement("tr");
        const level = document.createElement("span"); level.className = "level " + f.result; level.textContent = LEVELS[f.result];
        const levelCell = document.createElement("td"); levelCell.append(level);
        tr.append(cell(answer.bill_id), cell(f.rule + (f.national_rule ? " " + f.national_rule : "")), levelCell, cell(f.line_ids.join(", ")),
                  cell(f.expected, "num"), cell(f.charged, "num"), cell(f.amount_at_risk, "num"), cell(f.message),
                  cell([f.basis.document, f.basis.seq ? "第" + f.basis.seq + "行" : ""].filter(Boolean).join(" ") + "：" + f.basis.text));
        body.append(tr);
      }
    }
    const done = outcomes.pass + outcomes.suspect + outcomes.violation;
    if (!done) return;
    summary.textContent = "共审核 " + done + " 张单据：违规 " + outcomes.violation + "，可疑 " + outcomes.suspect + "，通过 " + outcomes.pass +
      "；收费合计 " + charged.toFixed(2) + " 元，涉及金额 " + atRisk.toFixed(2) + " 元；问题 " + rows.length + " 条。";
    result.hidden = false; download.disabled = rows.length === 0;
  }

  // A text cell starting with = + - @ tab or CR would run as a formula in Excel: write it with a
  // leading apostrophe (OWASP).  The amount columns are numbers and stay numbers.
  const NUMBER_COLUMNS = new Set([4, 5, 6]);
  function guard(s) { return /^[=+\-@\t\r]/.test(s) ? "'" + s : s; }
  function csv(value, column) {
    let s = String(value ?? "");
    if (!NUMBER_COLUMNS.has(column)) s = guard(s);
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  download.addEventListener("click", () => {
    const header = ["单据", "规则", "结果", "明细", "标准", "收费", "涉及金额", "说明", "依据"];
    const content = "\ufeff" + [header, ...rows].map((r) => r.map(csv).join(",")).join("\n") + "\n";
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([content], { type: "text/csv;charset=utf-8" }));
    link.download = "审核结果.csv"; link.click(); URL.revokeObjectURL(link.href);
  });
  checkButton.addEventListener("click", check);
})();
