"""The clinic's and the clinician's details, as first-run setup and the settings page ask
for them: one form, so the two pages can never drift apart.

``ClinicForm``: the clinic's name, its numbers side by side (whom the patient calls by day, at
night, in an emergency) and its own words on cost and insurance. ``PersonForm``: the
clinician's name, credentials and registration number. ``errors`` of each holds every field's
error label, numbers included.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QWidget

from consult_aid.domain import Clinician
from consult_aid.ui.widgets.fields import ErrorLabel, Form, TextArea


class ClinicForm(Form):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.clinic = self.add("clinician.clinic", self.tr("&Clinic name"), QLineEdit())
        self.clinic.setMaxLength(200)
        numbers = QWidget(self)
        grid = QGridLayout(numbers)
        grid.setContentsMargins(0, 0, 0, 0)
        edits: list[QLineEdit] = []
        for col, (path, label, length) in enumerate((
                ("clinician.clinic_phone", self.tr("Clinic &phone"), 64),
                ("clinician.out_of_hours_phone", self.tr("&Out-of-hours phone"), 64),
                ("clinician.emergency_number", self.tr("&Emergency number"), 32))):
            edit = QLineEdit(numbers)
            edit.setMaxLength(length)
            edit.setAccessibleName(label.replace("&", ""))
            caption = QLabel(label, numbers)
            caption.setTextFormat(Qt.TextFormat.PlainText)
            caption.setWordWrap(True)
            caption.setBuddy(edit)
            error = ErrorLabel(numbers)
            grid.addWidget(caption, 0, col)
            grid.addWidget(edit, 1, col)
            grid.addWidget(error, 2, col)
            grid.setColumnStretch(col, 1)
            self.errors[path] = error
            edits.append(edit)
        self.phone, self.out_of_hours, self.emergency = edits
        hint = QLabel(self.tr(
            "Printed on the patient handout: whom to call by day, at night and at weekends, "
            "and the local emergency number (such as 911, 999 or 112)."), numbers)
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        hint.setTextFormat(Qt.TextFormat.PlainText)
        grid.addWidget(hint, 3, 0, 1, 3)
        self.layout_.addRow(numbers)
        self.cost_note = self.add("clinician.cost_note", self.tr("Cost and &insurance"),
                                  TextArea(lines=4))
        self.cost_note.setPlaceholderText(self.tr(
            "Your clinic's words for patients, printed on the handout: what the trial, the "
            "implant and follow-up cost, and what insurance usually covers."))

    def load(self, clinician: Clinician) -> None:
        self.clinic.setText(clinician.clinic)
        self.phone.setText(clinician.clinic_phone)
        self.out_of_hours.setText(clinician.out_of_hours_phone)
        self.emergency.setText(clinician.emergency_number)
        self.cost_note.set_text(clinician.cost_note)


class PersonForm(Form):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = self.add("clinician.name", self.tr("Your &name"), QLineEdit())
        self.credentials = self.add("clinician.credentials", self.tr("C&redentials"),
                                    QLineEdit())
        self.credentials.setPlaceholderText(self.tr("for example: MD, FIPP"))
        self.registration = self.add("clinician.registration",
                                     self.tr("Registration n&umber"), QLineEdit())

    def load(self, clinician: Clinician) -> None:
        self.name.setText(clinician.name)
        self.credentials.setText(clinician.credentials)
        self.registration.setText(clinician.registration)


def clinician_from(clinic: ClinicForm, person: PersonForm) -> Clinician:
    """The details as typed (trimmed), not yet validated."""
    return Clinician(name=person.name.text().strip(),
                     credentials=person.credentials.text().strip(),
                     registration=person.registration.text().strip(),
                     clinic=clinic.clinic.text().strip(), clinic_phone=clinic.phone.text().strip(),
                     out_of_hours_phone=clinic.out_of_hours.text().strip(),
                     emergency_number=clinic.emergency.text().strip(),
                     cost_note=clinic.cost_note.text().strip())
