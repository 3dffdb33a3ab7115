"""Every subcommand's --help reads as text: argparse %-formats help strings but not descriptions,
so a description's '%%' was printed as '%%' (validate, reproduce, report) and a help string's '%'
alone would raise."""
from __future__ import annotations

import pytest

from metakinetics.cli.main import COMMANDS, build_parser


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_no_doubled_percent(command):
    parser = build_parser(command)
    sub = parser._subparsers._group_actions[0].choices[command]   # argparse keeps no public handle
    text = sub.format_help() + parser.format_help()
    assert "%%" not in text
