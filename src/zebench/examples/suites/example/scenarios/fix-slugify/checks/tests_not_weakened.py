"""Exit 0 when every test function of the original file is still defined and not skipped.

Usage: tests_not_weakened.py CURRENT_TEST_FILE ORIGINAL_TEST_FILE
"""

import ast
import sys
from pathlib import Path


def test_functions(path: Path) -> dict[str, ast.FunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name: node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test")
    }


def skipped(node: ast.FunctionDef) -> bool:
    return any("skip" in ast.unparse(d) or "xfail" in ast.unparse(d) for d in node.decorator_list)


def main() -> int:
    current, original = Path(sys.argv[1]), Path(sys.argv[2])
    if not current.is_file():
        print(f"{current} is gone")
        return 1
    now = test_functions(current)
    problems = [f"{name} removed" for name in test_functions(original) if name not in now]
    problems += [f"{name} skipped" for name, node in now.items() if skipped(node)]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
