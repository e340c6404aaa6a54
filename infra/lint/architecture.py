#!/usr/bin/env python3
"""The architecture, checked: roles never reference each other, and within each project folders form no cycle.

Roles (api/, producers/, processors/, sinks/) meet only in topics: their projects may reference the contracts and
plumbing below them (schemas/, infra/) and nothing else; only the entry point (cli/), tests and benchmarks see roles.

A folder depends on another when a file in it names a type declared in the other (a type name declared in one folder
of the project only; comments and string literals are ignored). Each folder is its own node, so a subfolder that uses
its parent's types while the parent uses the subfolder's is a cycle too. The one exception is the project's root
folder: it holds the role's entry point and composition (which use every folder) and the project-wide vocabulary
every folder may use (as C# lets a namespace see its parent's types), so it is left out of the graph. Prints each
cycle with the type names behind each edge.
Usage: architecture.py [REPO]   (exit 1 when a role references another or a cycle exists)
"""
import collections
import os
import re
import subprocess
import sys

TYPE_DECLARATION = re.compile(r"\b(?:class|record|struct|interface|enum)\s+(?:class\s+|struct\s+)?([A-Z]\w*)")
TYPE_NAME = re.compile(r"\b[A-Z]\w*\b")


def code_only(source):
    """The source without comments and string literals (their words are not dependencies)."""
    source = re.sub(r'"""[\s\S]*?"""', '""', source)
    source = re.sub(r'@"(?:[^"]|"")*"', '""', source)
    source = re.sub(r"//[^\n]*", "", source)
    source = re.sub(r"/\*[\s\S]*?\*/", "", source)
    source = re.sub(r'\$?"(?:[^"\\\n]|\\.)*"', '""', source)
    source = re.sub(r"'(?:[^'\\\n]|\\.)'", "''", source)
    return source


def projects(repo):
    files = subprocess.check_output(["git", "-C", repo, "ls-files", "*.cs", "*.csproj"], text=True).split()
    roots = sorted((os.path.dirname(f) for f in files if f.endswith(".csproj")), key=len, reverse=True)
    found = collections.defaultdict(list)
    for f in files:
        if f.endswith(".cs"):
            root = next((r for r in roots if f.startswith(r + "/")), None)
            if root is not None:
                found[root].append(f)
    return found


def cycles(edges):
    """Strongly connected components with more than one folder (Tarjan, iterative)."""
    index, low, stack, on_stack, result, counter = {}, {}, [], set(), [], [0]
    for start in list(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    result.append(sorted(component))
    return result


ROLE_FOLDERS = ("api/", "producers/", "processors/", "sinks/")


def role_references(repo):
    """Role projects that reference a project other than the contracts and plumbing (schemas/, infra/)."""
    found = []
    for csproj in subprocess.check_output(["git", "-C", repo, "ls-files", "*.csproj"], text=True).split():
        if not csproj.startswith(ROLE_FOLDERS):
            continue
        with open(os.path.join(repo, csproj), encoding="utf-8") as f:
            for reference in re.findall(r'ProjectReference\s+Include="([^"]+)"', f.read()):
                target = os.path.normpath(os.path.join(os.path.dirname(csproj), reference.replace("\\", "/")))
                if not target.startswith(("schemas/", "infra/")):
                    found.append(f"{csproj} references {target}: roles meet only in topics")
    return found


def main():
    repo = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    failed = False
    for problem in role_references(repo):
        failed = True
        print(problem)
    for project, files in sorted(projects(repo).items()):
        declared, code, folder_of = collections.defaultdict(set), {}, {}
        for f in files:
            with open(os.path.join(repo, f), encoding="utf-8") as source:
                code[f] = code_only(source.read())
            folder_of[f] = os.path.dirname(f)[len(project) :].lstrip("/") or "(root)"
            for name in TYPE_DECLARATION.findall(code[f]):
                declared[name].add(folder_of[f])
        edges, because = collections.defaultdict(set), collections.defaultdict(set)
        for f, text in code.items():
            for name in set(TYPE_NAME.findall(text)):
                folders = declared.get(name)
                if folders and len(folders) == 1:
                    target = next(iter(folders))
                    if target != folder_of[f] and "(root)" not in (target, folder_of[f]):
                        edges[folder_of[f]].add(target)
                        because[(folder_of[f], target)].add(name)
        for component in cycles(edges):
            failed = True
            print(f"{project}: folder cycle {' <-> '.join(component)}")
            for a in component:
                for b in component:
                    if b in edges[a]:
                        print(f"    {a} -> {b}: {', '.join(sorted(because[(a, b)]))}")
    if failed:
        print("error: the architecture above is broken (a role references another, or folders depend on each other in a")
        print("cycle: move the shared types to a folder below both)")
        return 1
    print("architecture: roles reference only schemas/ and infra/; no folder cycles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
