"""In-tree PEP 517/660 build backend using only the standard library, so `pip install sdks/python` needs
no setuptools, wheel or package index. It reads the simple string fields of pyproject's [project] table
and packs the `rapport` package into a pure-Python wheel (or an sdist, or an editable wheel)."""
from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile
from typing import Any, Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = 'rapport'
SDIST_FILES = ('pyproject.toml', 'README.md', '_build/rapport_build.py')


def _project() -> Dict[str, str]:
    with open(os.path.join(ROOT, 'pyproject.toml'), encoding='utf-8') as f:
        text = f.read()
    section = re.search(r'^\[project\]\s*$(.*?)(?=^\[|\Z)', text, re.M | re.S)
    if section is None:
        raise RuntimeError('pyproject.toml has no [project] table')
    fields = dict(re.findall(r'^([A-Za-z-]+)\s*=\s*"([^"]*)"\s*$', section.group(1), re.M))
    for key in ('name', 'version', 'description', 'requires-python'):
        if key not in fields:
            raise RuntimeError(f'pyproject.toml [project] lacks {key}')
    return fields


def _dist_name(project: Dict[str, str]) -> str:
    return re.sub(r'[-_.]+', '_', project['name']).lower()


def _metadata(project: Dict[str, str]) -> bytes:
    with open(os.path.join(ROOT, 'README.md'), encoding='utf-8') as f:
        readme = f.read()
    head = [
        'Metadata-Version: 2.1', f"Name: {project['name']}", f"Version: {project['version']}",
        f"Summary: {project['description']}", f"Requires-Python: {project['requires-python']}",
        'License: MIT', 'Classifier: Typing :: Typed', 'Description-Content-Type: text/markdown',
    ]
    return ('\n'.join(head) + '\n\n' + readme).encode('utf-8')


def _package_files() -> List[Tuple[str, str]]:
    files = []
    for folder, dirs, names in os.walk(os.path.join(ROOT, PACKAGE)):
        dirs[:] = sorted(d for d in dirs if d != '__pycache__')
        for name in sorted(names):
            if name.endswith('.py') or name == 'py.typed':
                path = os.path.join(folder, name)
                files.append((os.path.relpath(path, ROOT).replace(os.sep, '/'), path))
    return files


def _wheel(directory: str, entries: List[Tuple[str, bytes]]) -> str:
    project = _project()
    dist = f"{_dist_name(project)}-{project['version']}"
    info = f'{dist}.dist-info'
    entries = entries + [
        (f'{info}/METADATA', _metadata(project)),
        (f'{info}/WHEEL', b'Wheel-Version: 1.0\nGenerator: rapport_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n'),
    ]
    record = []
    for name, data in entries:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()
        record.append(f'{name},sha256={digest},{len(data)}')
    record.append(f'{info}/RECORD,,')
    entries.append((f'{info}/RECORD', ('\n'.join(record) + '\n').encode()))
    filename = f'{dist}-py3-none-any.whl'
    with zipfile.ZipFile(os.path.join(directory, filename), 'w', zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zf.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return filename


def _read(path: str) -> bytes:
    with open(path, 'rb') as f:
        return f.read()


def build_wheel(wheel_directory: str, config_settings: Optional[Dict[str, Any]] = None,
                metadata_directory: Optional[str] = None) -> str:
    return _wheel(wheel_directory, [(name, _read(path)) for name, path in _package_files()])


def build_editable(wheel_directory: str, config_settings: Optional[Dict[str, Any]] = None,
                   metadata_directory: Optional[str] = None) -> str:
    return _wheel(wheel_directory, [('rapport_sdk_editable.pth', (ROOT + '\n').encode())])


def build_sdist(sdist_directory: str, config_settings: Optional[Dict[str, Any]] = None) -> str:
    project = _project()
    base = f"{_dist_name(project)}-{project['version']}"
    files = [(name, os.path.join(ROOT, name)) for name in SDIST_FILES] + _package_files()
    pkg_info = _metadata(project)
    filename = f'{base}.tar.gz'
    with tarfile.open(os.path.join(sdist_directory, filename), 'w:gz', format=tarfile.PAX_FORMAT) as tar:
        for name, data in [(name, _read(path)) for name, path in files] + [('PKG-INFO', pkg_info)]:
            member = tarfile.TarInfo(f'{base}/{name}')
            member.size = len(data)
            member.mtime = 1577836800
            tar.addfile(member, io.BytesIO(data))
    return filename


def get_requires_for_build_wheel(config_settings: Optional[Dict[str, Any]] = None) -> List[str]:
    return []


def get_requires_for_build_sdist(config_settings: Optional[Dict[str, Any]] = None) -> List[str]:
    return []


def get_requires_for_build_editable(config_settings: Optional[Dict[str, Any]] = None) -> List[str]:
    return []
