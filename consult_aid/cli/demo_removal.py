"""``consult-aid demo --remove``: delete the demo's data folder, and nothing else.

The demo writes into a folder of its own (:func:`consult_aid.datadir.demo_folder`) unless
``--data-dir`` names one; a folder the demo made holds the file ``demo-folder``. Only such a
folder is deleted, and only while every consult in it is of the demo's fictional patient: a
folder that has since been used for real consults is never deleted. Nothing is audited — the
audit trail goes with the folder. No one signs in: the folder's consults are only counted by
the program (no record is shown), and the folder is the demo's own.
"""

from __future__ import annotations

import shutil

from consult_aid.datadir import DEMO_MARKER, DataFolder
from consult_aid.errors import InputError
from consult_aid.services.demo import demo_patient
from consult_aid.services.store import open_store
from consult_aid.storage.consults import ConsultRepository
from consult_aid.terminal import echo

_PAGE = 1000


def remove_demo_folder(data: DataFolder) -> int:
    root = data.root
    if not root.exists():
        echo(f"There is no demo data folder at {root}: nothing was removed.")
        return 0
    if root.is_symlink() or not root.is_dir() or not data.is_demo_folder:
        raise InputError(f"{root} was not made by `consult-aid demo` (it has no {DEMO_MARKER} "
                         "file): nothing was removed")
    others = _real_consults(data)
    if others:
        raise InputError(f"{root} was made by `consult-aid demo` but now holds {others} "
                         "consult(s) of patients other than the demo patient: nothing was "
                         "removed")
    shutil.rmtree(root)
    echo(f"Removed the demo data folder {root} (the demo signing identity, the demo consults "
         "and their signed PDFs).")
    return 0


def _real_consults(data: DataFolder) -> int:
    """How many consults in the folder's database are not of the demo patient."""
    if not data.database.is_file():
        return 0
    demo = demo_patient()
    count, offset = 0, 0
    with open_store(data.database, read_only=True) as db:
        repo = ConsultRepository(db)
        while page := repo.summaries(limit=_PAGE, offset=offset):
            count += sum((row.patient_name, row.date_of_birth, row.mrn)
                         != (demo.name, demo.date_of_birth, demo.mrn) for row in page)
            offset += len(page)
    return count


__all__ = ["remove_demo_folder"]
