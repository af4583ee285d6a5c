"""The in-tree build backend yields a wheel that installs and imports on its own (what pip runs)."""
from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
import unittest
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, '_build'))
sys.path.insert(0, ROOT)

import rapport_build  # noqa: E402

from rapport import __version__  # noqa: E402


class PackagingTest(unittest.TestCase):
    def test_the_wheel_is_complete_hashed_and_importable(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            name = rapport_build.build_wheel(tmp)
            self.assertEqual(name, f'rapport_sdk-{__version__}-py3-none-any.whl')
            with zipfile.ZipFile(os.path.join(tmp, name)) as wheel:
                names = wheel.namelist()
                for module in ('__init__', 'client', 'async_client', '_async_transport', 'models', 'events'):
                    self.assertIn(f'rapport/{module}.py', names)
                self.assertIn('rapport/py.typed', names)
                info = f'rapport_sdk-{__version__}.dist-info'
                metadata = wheel.read(f'{info}/METADATA').decode()
                self.assertIn(f'Version: {__version__}', metadata)
                self.assertIn('Requires-Python: >=3.9', metadata)
                self.assertNotIn('Requires-Dist', metadata)
                for line in wheel.read(f'{info}/RECORD').decode().splitlines():
                    path, digest, size = line.split(',')
                    if digest:
                        data = wheel.read(path)
                        expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()
                        self.assertEqual((digest, int(size)), (f'sha256={expected}', len(data)))
                target = os.path.join(tmp, 'site')
                wheel.extractall(target)
            code = f'import sys; sys.path.insert(0, {target!r}); import rapport; ' \
                   'sys.stdout.write(rapport.__version__ + " " + rapport.__file__)'
            out = subprocess.run([sys.executable, '-I', '-c', code], cwd=tmp, capture_output=True, text=True,
                                 check=True).stdout
            self.assertEqual(out.split(' ')[0], __version__)
            self.assertTrue(out.split(' ')[1].startswith(target))

    def test_the_sdist_carries_the_backend_and_the_package(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            name = rapport_build.build_sdist(tmp)
            with tarfile.open(os.path.join(tmp, name)) as sdist:
                names = sdist.getnames()
            base = name[: -len('.tar.gz')]
            for path in ('pyproject.toml', 'README.md', '_build/rapport_build.py', 'rapport/client.py', 'PKG-INFO'):
                self.assertIn(f'{base}/{path}', names)

    def test_pyproject_and_package_agree_on_the_version(self) -> None:
        self.assertEqual(rapport_build._project()['version'], __version__)


if __name__ == '__main__':
    unittest.main()
