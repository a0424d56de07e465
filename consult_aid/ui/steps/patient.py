"""Step 1: the patient and who else takes part (representative, interpreter, witness)."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit

from consult_aid.domain import Decider, Interpreter, Person, Sex
from consult_aid.domain.labels import SEX_LABELS
from consult_aid.ui.steps.base import StepPage
from consult_aid.ui.widgets.fields import Form, OptionalDateEdit, ReachableChoiceGroup, group


class PatientPage(StepPage):
    step_id = "patient"

    def intro(self) -> str:
        return self.tr("Check who the patient is and who takes part in the decision.")

    def build(self) -> None:
        identity = Form(self)
        self.name = identity.add("patient.name", self.tr("&Name"), QLineEdit())
        self.dob = OptionalDateEdit()  # typed: 1958-06-03 or 03/06/1958
        identity.add("patient.date_of_birth", self.tr("Date of &birth"), self.dob)
        self.sex = QComboBox()
        for member, label in SEX_LABELS.items():
            self.sex.addItem(self.tr(label), member.value)
        identity.add("patient.sex", self.tr("&Sex"), self.sex)
        self.mrn = identity.add("patient.mrn", self.tr("&Medical record number"), QLineEdit())
        self.phone = identity.add("patient.contact.phone", self.tr("P&hone"), QLineEdit())
        self.outer.addWidget(group(self.tr("Patient"), identity))

        decides = Form(self)
        self.decider = ReachableChoiceGroup(
            [(Decider.PATIENT, self.tr("The patient")),
             (Decider.REPRESENTATIVE, self.tr("A legally authorised representative"))],
            self.tr("Who decides"))
        decides.add("participants.decider", self.tr("Who &decides"), self.decider)
        self.rep_name = decides.add("participants.representative.name",
                                    self.tr("Representative's name"), QLineEdit())
        self.rep_relation = decides.add("participants.representative.relationship",
                                        self.tr("Relationship to the patient"), QLineEdit())
        self.rep_relation.setPlaceholderText(self.tr("for example: spouse, guardian"))
        self.outer.addWidget(group(self.tr("Decision maker"), decides))

        others = Form(self)
        self.has_interpreter = QCheckBox(self.tr("An &interpreter takes part"))
        others.add("participants.interpreter", "", self.has_interpreter)
        self.int_language = others.add("participants.interpreter.language",
                                       self.tr("Language"), QLineEdit())
        self.int_name = others.add("participants.interpreter.name",
                                   self.tr("Interpreter's name"), QLineEdit())
        self.int_id = others.add("participants.interpreter.identifier",
                                 self.tr("Interpreter's ID number"), QLineEdit())
        self.has_witness = QCheckBox(self.tr("A &witness takes part"))
        others.add("participants.witness", "", self.has_witness)
        self.wit_name = others.add("participants.witness.name", self.tr("Witness's name"),
                                   QLineEdit())
        self.wit_relation = others.add("participants.witness.relationship",
                                       self.tr("Witness's role"), QLineEdit())
        self.wit_relation.setPlaceholderText(self.tr("for example: nurse, daughter"))
        self.outer.addWidget(group(self.tr("Interpreter and witness"), others))
        self.has_interpreter.setAccessibleName(self.tr("An interpreter takes part"))
        self.has_witness.setAccessibleName(self.tr("A witness takes part"))

        for form in (identity, decides, others):
            self.errors.update(form.errors)
        self.dob.dateChanged.connect(self.on_edit)  # typed, picked or set: saved alike
        self.watch(self.name, self.sex, self.mrn, self.phone, self.decider,
                   self.rep_name, self.rep_relation, self.has_interpreter, self.int_language,
                   self.int_name, self.int_id, self.has_witness, self.wit_name, self.wit_relation)

    def load(self) -> None:
        c = self.consult
        self.name.setText(c.patient.name)
        d = c.patient.date_of_birth
        self.dob.set_value(d)
        self.sex.setCurrentIndex(max(0, self.sex.findData(c.patient.sex.value)))
        self.mrn.setText(c.patient.mrn)
        self.phone.setText(c.patient.contact.phone)
        parts = c.participants
        self.decider.set_value(parts.decider)
        rep = parts.representative or Person()
        self.rep_name.setText(rep.name)
        self.rep_relation.setText(rep.relationship)
        self.has_interpreter.setChecked(parts.interpreter is not None)
        interp = parts.interpreter or Interpreter()
        self.int_language.setText(interp.language)
        self.int_name.setText(interp.name)
        self.int_id.setText(interp.identifier)
        self.has_witness.setChecked(parts.witness is not None)
        witness = parts.witness or Person()
        self.wit_name.setText(witness.name)
        self.wit_relation.setText(witness.relationship)
        self._enable()

    def save(self) -> None:
        c = self.consult
        c.patient.name = self.name.text()
        born = self.dob.value()
        if born is not None:  # half typed: the stored date stays until a whole one is typed
            c.patient.date_of_birth = born
        c.patient.sex = Sex(self.sex.currentData())
        c.patient.mrn = self.mrn.text()
        c.patient.contact.phone = self.phone.text()
        parts = c.participants
        decider = self.decider.value()
        parts.decider = decider if isinstance(decider, Decider) else Decider.PATIENT
        if parts.decider is Decider.REPRESENTATIVE or self.rep_name.text():
            parts.representative = Person(self.rep_name.text(), self.rep_relation.text())
        else:
            parts.representative = None
        parts.interpreter = (Interpreter(self.int_name.text(), self.int_language.text(),
                                         self.int_id.text())
                             if self.has_interpreter.isChecked() else None)
        parts.witness = (Person(self.wit_name.text(), self.wit_relation.text())
                         if self.has_witness.isChecked() else None)
        self._enable()

    def _enable(self) -> None:
        rep = self.decider.value() is Decider.REPRESENTATIVE
        for w in (self.rep_name, self.rep_relation):
            w.setEnabled(rep)
        for w in (self.int_language, self.int_name, self.int_id):
            w.setEnabled(self.has_interpreter.isChecked())
        for w in (self.wit_name, self.wit_relation):
            w.setEnabled(self.has_witness.isChecked())

