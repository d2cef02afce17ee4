"""The README's rule table is generated from the registry and cannot drift from it."""

from validators import rule_table
from validators.registry import RULES


def test_the_readme_rule_table_is_what_the_registry_generates():
    text = rule_table.README.read_text(encoding="utf-8")
    assert rule_table.current_block(text) == rule_table.render(), "run: python -m validators.rule_table"


def test_every_rule_says_what_it_catches_and_what_a_clean_bill_looks_like():
    for rule in RULES:
        assert rule.doc.catches and rule.doc.clean, rule.id
        assert rule.id in rule_table.render()


def test_check_mode_fails_on_a_stale_table(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"x\n{rule_table.START}\n| stale |\n{rule_table.END}\ny\n", encoding="utf-8")
    assert rule_table.main([str(readme), "--check"]) == 1
    assert rule_table.main([str(readme)]) == 0
    assert rule_table.main([str(readme), "--check"]) == 0
    assert readme.read_text(encoding="utf-8").startswith("x\n") and readme.read_text(encoding="utf-8").endswith("\ny\n")
