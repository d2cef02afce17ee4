// Check one bill (JSON), a JSON array of bills or a batch (NDJSON, one bill a line) against POST /v1/bills/validate;
// show each finding with the lines it is about, and export them all — a clean bill too, as a record.
(function () {
  const $ = (id) => document.getElementById(id);
  const text = $("bill-json"), file = $("bill-file"), checkButton = $("check"), download = $("download");
  const errorBox = $("error"), result = $("result"), summary = $("summary");
  const body = document.querySelector("#findings tbody");
  const LABELS = Array.from(document.querySelectorAll("#findings thead th"), (th) => th.textContent);
  const LEVELS = { violation: "违规", suspect: "可疑", info: "提示" };
  const OUTCOMES = { violation: "违规", suspect: "可疑", pass: "通过" };
  const HEADER = ["单据", "审核结论", "明细", "项目编码", "项目名称", "服务日期", "规则", "规则编号", "国家规则编码", "结果",
                  "标准", "收费", "涉及金额", "说明", "依据", "价格版本"];
  const CLEAN = "未发现问题";
  let rows = [];

  file.addEventListener("change", async () => { if (file.files[0]) text.value = await file.files[0].text(); });

  // The bills in the text, each with the exact text to send and the line it starts on, so that the
  // server's line and column of a syntax error become the line and column in the box.
  function billsIn(raw) {
    if (!raw.trim()) throw new Error("请粘贴单据 JSON 或选择文件");
    let whole;
    try { whole = JSON.parse(raw); } catch (e) { whole = undefined; }
    if (Array.isArray(whole)) {
      return whole.map((bill, i) => ({ body: JSON.stringify(bill), bill, where: "第 " + (i + 1) + " 张单据", line: null }));
    }
    if (whole !== undefined) return [{ body: raw, bill: whole, where: "单据", line: 1 }];
    // Not one JSON text: one bill a line when the first line is a bill by itself, else one bill
    // with a syntax error, which the server locates.
    const filled = raw.split(/\r?\n/).map((line, i) => [line, i + 1]).filter(([line]) => line.trim());
    let oneABill = false;
    if (filled.length > 1) { try { JSON.parse(filled[0][0]); oneABill = true; } catch (e) { oneABill = false; } }
    if (!oneABill) return [{ body: raw, bill: null, where: "单据", line: 1 }];
    return filled.map(([line, number]) => {
      let bill = null;
      try { bill = JSON.parse(line); } catch (e) { bill = null; }
      return { body: line, bill, where: "第 " + number + " 行的单据", line: number };
    });
  }

  function element(tag, content, cls) {
    const node = document.createElement(tag);
    if (content instanceof Node) node.append(content); else node.textContent = content ?? "";
    if (cls) node.className = cls;
    return node;
  }

  // One entry of the error box per bill that could not be checked, each field said once.
  function problem(entry, answer) {
    const item = element("li", entry.where + (entry.bill && entry.bill.bill_id ? "（" + entry.bill.bill_id + "）" : "") + "无法审核：");
    const fields = (answer.fields || []).map((f) => {
      if (f.line != null && entry.line != null) return [("第 " + (entry.line + f.line - 1) + " 行第 " + f.column + " 列，" + f.reason)];
      return [(f.label || f.field) + "：" + f.reason, f.label && f.field !== "body" ? f.field : ""];
    });
    if (!fields.length) { item.append(answer.message || "未知原因"); return item; }
    const say = ([text, path]) => { const span = element("span", text); if (path) span.append(" ", element("span", path, "muted small")); return span; };
    if (fields.length === 1) { item.append(say(fields[0])); return item; }
    const list = document.createElement("ul");
    for (const field of fields) list.append(element("li", say(field)));
    item.append(list);
    return item;
  }

  // Names of codes billed without one, from the catalogue (once per code; blank when not readable).
  const names = new Map();
  function catalogName(code) {
    if (!names.has(code)) {
      names.set(code, fetch("/v1/items/" + encodeURIComponent(code), { credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : {})).then((item) => item.name || "").catch(() => ""));
    }
    return names.get(code);
  }

  function codeOf(line) { return line.code || line.hilist_code || line.hosplist_code || ""; }

  async function linesOf(bill, ids) {
    const byId = new Map((bill.lines || []).map((line) => [String(line.line_id), line]));
    const lines = ids.map((id) => byId.get(id)).filter(Boolean);
    const named = await Promise.all(lines.map((line) => line.name || line.hilist_name || catalogName(codeOf(line))));
    return { codes: lines.map(codeOf).join(" "), names: named.join("、"),
             dates: Array.from(new Set(lines.map((line) => line.service_date || line.drord_begn_date || ""))).join(" ") };
  }

  function cell(value, column, cls) {
    const td = element("td", value, cls);
    td.dataset.label = LABELS[column];
    return td;
  }

  function cents(amount) { return Math.round(Number(amount) * 100); }
  function yuan(centsValue) { return (centsValue / 100).toFixed(2); }

  async function show(entry, answer) {
    const outcome = OUTCOMES[answer.outcome];
    if (!answer.findings.length) {
      rows.push([answer.bill_id, outcome, "", "", "", "", "", "", "", CLEAN, "", "", "", "", "", answer.catalog_version]);
      const tr = element("tr", null, "clean");
      const note = cell(CLEAN, 1, "clean-note");
      note.colSpan = LABELS.length - 1;
      tr.append(cell(answer.bill_id, 0), note);
      body.append(tr);
      return;
    }
    for (const f of answer.findings) {
      const lines = await linesOf(entry.bill || {}, f.line_ids);
      const basis = [f.basis.document, f.basis.seq ? "第" + f.basis.seq + "行" : ""].filter(Boolean).join(" ");
      rows.push([answer.bill_id, outcome, f.line_ids.join(" "), lines.codes, lines.names, lines.dates, f.rule_name, f.rule,
                 f.national_rule || "", LEVELS[f.result], f.expected, f.charged, f.amount_at_risk, f.message,
                 [basis, f.basis.text].filter(Boolean).join(" "), answer.catalog_version]);
      const rule = element("div", f.rule_name, "rule-name");
      const ruleCell = cell(rule, 5);
      ruleCell.append(element("div", [f.rule, f.national_rule].filter(Boolean).join(" · "), "muted small rule-code"));
      const levelCell = cell(element("span", LEVELS[f.result], "level " + f.result), 6);
      const tr = document.createElement("tr");
      tr.append(cell(answer.bill_id, 0), cell(f.line_ids.join(", "), 1), cell(lines.codes, 2), cell(lines.names, 3, "name"),
                cell(lines.dates, 4), ruleCell, levelCell, cell(f.expected, 7, "num"), cell(f.charged, 8, "num"),
                cell(f.amount_at_risk, 9, "num"), cell(f.message, 10), cell(basis + "：" + f.basis.text, 11));
      body.append(tr);
    }
  }

  async function check() {
    errorBox.hidden = true; errorBox.replaceChildren(); result.hidden = true; download.disabled = true;
    rows = []; body.replaceChildren();
    let bills;
    try { bills = billsIn(text.value); } catch (e) { errorBox.textContent = e.message; errorBox.hidden = false; return; }
    let charged = 0, atRisk = 0, findings = 0;
    const outcomes = { pass: 0, suspect: 0, violation: 0 };
    const problems = document.createElement("ul");
    for (const entry of bills) {
      const response = await fetch("/v1/bills/validate", {
        method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" }, body: entry.body });
      const answer = await response.json().catch(() => ({ message: response.statusText }));
      if (!response.ok) { problems.append(problem(entry, answer)); continue; }
      outcomes[answer.outcome] += 1; findings += answer.findings.length;
      charged += cents(answer.totals.charged); atRisk += cents(answer.totals.at_risk);
      await show(entry, answer);
    }
    if (problems.childElementCount) { errorBox.append(problems); errorBox.hidden = false; }
    const done = outcomes.pass + outcomes.suspect + outcomes.violation;
    if (!done) return;
    summary.textContent = "共审核 " + done + " 张单据：违规 " + outcomes.violation + "，可疑 " + outcomes.suspect + "，通过 " +
      outcomes.pass + "；收费合计 " + yuan(charged) + " 元，涉及金额 " + yuan(atRisk) + " 元；" +
      (findings ? "问题 " + findings + " 条。" : CLEAN + "。");
    result.hidden = false; download.disabled = false;
  }

  // A text cell starting with = + - @ tab or CR would run as a formula in Excel: write it with a
  // leading apostrophe (OWASP).  The amount columns are numbers and stay numbers.
  const NUMBER_COLUMNS = new Set([10, 11, 12]);
  function guard(s) { return /^[=+\-@\t\r]/.test(s) ? "'" + s : s; }
  function csv(value, column) {
    let s = String(value ?? "");
    if (!NUMBER_COLUMNS.has(column)) s = guard(s);
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  download.addEventListener("click", () => {
    const content = "\ufeff" + [HEADER, ...rows].map((r) => r.map(csv).join(",")).join("\n") + "\n";
    const now = new Date(), two = (n) => String(n).padStart(2, "0");
    const stamp = now.getFullYear() + two(now.getMonth() + 1) + two(now.getDate()) + "-" + two(now.getHours()) + two(now.getMinutes());
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([content], { type: "text/csv;charset=utf-8" }));
    link.download = "审核结果-" + stamp + ".csv"; link.click(); URL.revokeObjectURL(link.href);
  });
  checkButton.addEventListener("click", check);

  // The sheet page part (sheet.js) shows its bills with the same table, summary and CSV.
  window.billResults = {
    reset() { errorBox.hidden = true; errorBox.replaceChildren(); result.hidden = true; download.disabled = true;
              rows = []; body.replaceChildren(); },
    async show(bill, answer) { await show({ bill }, answer); },
    problems(items) { const list = document.createElement("ul"); for (const text of items) list.append(element("li", text));
                      errorBox.append(list); errorBox.hidden = false; },
    finish(text) { summary.textContent = text; result.hidden = false; download.disabled = false; },
  };
})();
