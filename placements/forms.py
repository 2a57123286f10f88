"""Flask-WTF forms. Views copy allow-listed fields from these; never populate_obj on models
that carry role, school or status (ASVS 15.3.3)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from . import geo, passwords, vocab


def status(form: FlaskForm) -> int:
    """422 for a submitted form with errors (a clear 4xx that htmx is configured to swap), else 200."""
    return 422 if form.is_submitted() and form.errors else 200


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _email_field(label: str = "Email address") -> EmailField:
    return EmailField(
        label,
        validators=[
            InputRequired("Enter an email address."),
            Length(max=254),
            Email("Enter an email address like name@example.org.", check_deliverability=False),
        ],
        filters=[lambda v: v.strip().lower() if v else v],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )


def _name_field(label: str, autocomplete: str) -> StringField:
    return StringField(
        label,
        validators=[InputRequired(f"Enter a {label.lower()}."), Length(max=100)],
        filters=[lambda v: v.strip() if v else v],
        render_kw={"autocomplete": autocomplete},
    )


class PostcodeField(StringField):
    """A UK postcode, normalised ("sw1a1aa" -> "SW1A 1AA") and checked against our tables."""

    def pre_validate(self, form) -> None:
        try:
            self.location = geo.lookup(self.data or "")
        except geo.PostcodeError as error:
            self.location = None
            raise ValidationError(str(error)) from None
        self.data = self.location.postcode


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(
        "Password", validators=[InputRequired("Enter your password.")], render_kw={"autocomplete": "current-password"}
    )


class ForgotPasswordForm(FlaskForm):
    email = _email_field()


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[InputRequired("Enter a new password.")],
        render_kw={"autocomplete": "new-password"},
        description=f"At least {passwords.MIN_LENGTH} characters. A few unrelated words work well.",
    )
    confirm = PasswordField(
        "Type the new password again",
        validators=[InputRequired("Type the new password again.")],
        render_kw={"autocomplete": "new-password"},
    )

    def __init__(self, *args, email: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._email = email

    def validate_password(self, field) -> None:
        reason = passwords.problem(field.data or "", email=self._email)
        if reason:
            raise ValidationError(reason)

    def validate_confirm(self, field) -> None:
        if field.data != self.password.data:
            raise ValidationError("The two passwords do not match.")


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        "Current password",
        validators=[InputRequired("Enter your current password.")],
        render_kw={"autocomplete": "current-password"},
    )


class SchoolForm(FlaskForm):
    urn = StringField(
        "URN (unique reference number)",
        validators=[InputRequired("Enter the school's URN."), Length(min=6, max=6, message="A URN has 6 digits.")],
        filters=[lambda v: v.strip() if v else v],
        description="The 6-digit number from Get Information About Schools.",
        render_kw={"inputmode": "numeric"},
    )
    name = StringField(
        "School name",
        validators=[InputRequired("Enter the school's name."), Length(max=200)],
        filters=[lambda v: v.strip() if v else v],
    )
    postcode = PostcodeField("Postcode", render_kw={"autocomplete": "postal-code"})

    def validate_urn(self, field) -> None:
        if not (field.data or "").isdigit():
            raise ValidationError("A URN has 6 digits.")


class InviteForm(FlaskForm):
    first_name = _name_field("First name", "off")
    last_name = _name_field("Last name", "off")
    email = _email_field()


class EmployerRegistrationForm(FlaskForm):
    organisation_name = StringField(
        "Organisation name",
        validators=[InputRequired("Enter your organisation's name."), Length(max=200)],
        filters=[lambda v: v.strip() if v else v],
        render_kw={"autocomplete": "organization"},
    )
    size_band = SelectField(
        "Size",
        choices={"": "Choose a size"} | vocab.SIZE_BANDS,
        validators=[InputRequired("Choose your organisation's size.")],
    )
    route = SelectField(
        "Main sector (technical education route)",
        choices={"": "Choose a sector"} | vocab.ROUTES,
        validators=[InputRequired("Choose your main sector.")],
    )
    postcode = PostcodeField("Main workplace postcode", render_kw={"autocomplete": "postal-code"})
    first_name = _name_field("Your first name", "given-name")
    last_name = _name_field("Your last name", "family-name")
    email = _email_field("Your work email address")


class StudentForm(FlaskForm):
    first_name = _name_field("First name", "off")
    last_name = _name_field("Last name", "off")
    email = _email_field("School email address")
    year_group = SelectField(
        "Year group",
        choices={"": "Choose a year group"} | {str(y): f"Year {y}" for y in vocab.YEAR_GROUPS},
        validators=[InputRequired("Choose a year group.")],
    )
    form_group = StringField("Form (optional)", validators=[Optional(), Length(max=20)])
    sen_provision = SelectField(
        "SEN provision",
        choices=vocab.SEN_PROVISION,
        default="N",
        description="Restricted: seen only by staff at your school, never by employers.",
    )
    disadvantaged = BooleanField(
        "Disadvantaged (for example, eligible for pupil premium)",
        description="Restricted: seen only by staff at your school, never by employers.",
    )


class ProfileForm(FlaskForm):
    interests = MultiCheckboxField("Which areas of work interest you?", choices=vocab.ROUTES)
    travel_radius_km = RadioField(
        "How far can you travel to a placement?",
        choices={str(km): f"Up to {km} km" for km in vocab.TRAVEL_RADII_KM},
        validators=[InputRequired("Choose how far you can travel.")],
    )
    home_outcode = StringField(
        "Your postcode district (optional)",
        validators=[Optional(), Length(max=8)],
        description="Only the first part, like M14. Leave it empty to measure distances from your school.",
    )

    def validate_home_outcode(self, field) -> None:
        if field.data:
            try:
                field.data = geo.lookup_outcode(field.data).postcode
            except geo.PostcodeError as error:
                raise ValidationError(str(error)) from None

    def needs(self) -> dict[str, str]:
        """{feature: "must" | "preferred"} for every need the student chose."""
        return {
            key: getattr(self, f"need_{key}").data
            for key in vocab.ACCESS_FEATURES
            if getattr(self, f"need_{key}").data in vocab.NEED_PRIORITIES
        }


for _key, _label in vocab.ACCESS_FEATURES.items():
    setattr(
        ProfileForm,
        f"need_{_key}",
        RadioField(
            _label,
            choices={"": "Not needed", "preferred": "Would help", "must": "Must have"},
            default="",
            validators=[Optional()],
        ),
    )


class RejectForm(FlaskForm):
    reason = TextAreaField(
        "Reason (sent to the organisation)",
        validators=[InputRequired("Give a reason so the organisation knows what to change."), Length(max=2000)],
    )


class ConfirmForm(FlaskForm):
    """A bare form: only its CSRF token matters."""


class UploadStudentsForm(FlaskForm):
    file = FileField(
        "Student file (CSV)",
        validators=[FileRequired("Choose the CSV file exported from your MIS.")],
        description="A .csv file of at most 10 MB, one row per student. Columns are found by their names.",
        render_kw={"accept": ".csv,text/csv"},
    )


class CommitImportForm(FlaskForm):
    upload_id = HiddenField()  # which upload this preview showed; the data itself stays on the server
    leavers = RadioField(
        "Students at your school who are not in this file",
        choices={"keep": "Keep them as they are", "leave": "Mark them as leavers: their accounts stop working"},
        default="keep",
        validators=[InputRequired("Choose what happens to students who are not in the file.")],
    )
