"""Flask-WTF forms. Views copy allow-listed fields from these; never populate_obj on models
that carry role, school or status (ASVS 15.3.3)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FloatField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TelField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Email, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from . import geo, passwords, vocab
from .numbers import is_digits


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


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _with_article(label: str) -> str:
    """ "First name" -> "a first name"; "Your first name" -> "your first name"."""
    lowered = label.lower()
    return lowered if lowered.startswith("your ") else f"a {lowered}"


def _name_field(label: str, autocomplete: str) -> StringField:
    return StringField(
        label,
        validators=[InputRequired(f"Enter {_with_article(label)}."), Length(max=100)],
        filters=[_strip],
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
        filters=[_strip],
        description="The 6-digit number from Get Information About Schools.",
        render_kw={"inputmode": "numeric"},
    )
    name = StringField(
        "School name",
        validators=[InputRequired("Enter the school's name."), Length(max=200)],
        filters=[_strip],
    )
    postcode = PostcodeField("Postcode", render_kw={"autocomplete": "postal-code"})

    def validate_urn(self, field) -> None:
        if not is_digits(field.data):
            raise ValidationError("A URN has 6 digits.")


class InviteForm(FlaskForm):
    first_name = _name_field("First name", "off")
    last_name = _name_field("Last name", "off")
    email = _email_field()


class EmployerRegistrationForm(FlaskForm):
    organisation_name = StringField(
        "Organisation name",
        validators=[InputRequired("Enter your organisation's name."), Length(max=200)],
        filters=[_strip],
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


class RecommendationSwitchForm(FlaskForm):
    """Switch a student's recommendations on or off: a POST with CSRF, never a link."""

    enabled = HiddenField(validators=[AnyOf(("on", "off"))])


class RejectForm(FlaskForm):
    reason = TextAreaField(
        "Reason (sent to the organisation)",
        validators=[InputRequired("Give a reason so the organisation knows what to change."), Length(max=2000)],
    )


class ConfirmForm(FlaskForm):
    """A bare form: only its CSRF token matters."""


def _parse_error(field_class, message: str):
    """A field whose "not a date / time / number" message is written for people."""

    class Field(field_class):
        def process_formdata(self, valuelist) -> None:
            if not "".join(valuelist or ()).strip():
                self.data = None  # left empty: InputRequired or the form's own rule says so
                return
            try:
                super().process_formdata(valuelist)
            except ValueError:
                self.data = None
                raise ValueError(message) from None

    Field.__name__ = field_class.__name__  # render_field and templates look at field.type
    return Field


PeopleDateField = _parse_error(DateField, "Enter a real date, like 14 July 2027.")
PeopleTimeField = _parse_error(TimeField, "Enter a time like 09:30.")
PeopleIntegerField = _parse_error(IntegerField, "Enter a whole number, like 4.")


class SafeguardingForm(FlaskForm):
    """An organisation's safeguarding facts (domain.md §4.2, §4.6), stated once for every placement.

    No Optional() on the insurer and date fields: it would stop the validate_* rules below, which
    decide when an empty one is a problem."""

    insurance_basis = RadioField(
        "Employers' liability insurance",
        choices=vocab.INSURANCE_BASES,
        validators=[InputRequired("Say whether you hold employers' liability insurance or are exempt.")],
        description="Insurers treat work experience students as employees, so your existing cover applies.",
    )
    insurer = StringField("Insurer", validators=[Length(max=200)], filters=[_strip], description="If you are insured.")
    insurance_expires_on = PeopleDateField(
        "Policy expiry date", description="If you are insured. For example, 31 3 2027."
    )
    risk_assessment_covers_young_people = BooleanField(
        "Our risk assessment covers young people (under 18) on work experience"
    )
    no_prohibited_tasks_for_children = BooleanField(
        "We will not give children any work that Regulation 19 of the Management of Health and Safety at "
        "Work Regulations prohibits for them"
    )
    risk_assessment_reviewed_on = PeopleDateField("Date the risk assessment was last reviewed")
    safeguarding_contact_name = StringField(
        "Name",
        validators=[DataRequired("Enter the name of your safeguarding contact."), Length(max=200)],
        filters=[_strip],
    )
    safeguarding_contact_role = StringField(
        "Role", validators=[DataRequired("Enter their role."), Length(max=200)], filters=[_strip]
    )
    safeguarding_contact_email = _email_field("Email address")
    safeguarding_contact_phone = TelField(
        "Phone number (optional)",
        validators=[Optional(), Length(max=30)],
        filters=[_strip],
        render_kw={"autocomplete": "tel"},
    )
    virtual_organisation_accounts = BooleanField("Staff use organisational accounts only, never personal ones")
    virtual_group_sessions = BooleanField("Sessions are for groups, or have a member of school staff present")
    virtual_no_one_to_one = BooleanField("No private one-to-one contact between staff and a student")

    def __init__(self, *args, today=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._today = today

    def validate_insurer(self, field) -> None:
        if self.insurance_basis.data == "insured" and not field.data:
            raise ValidationError("Enter the name of your insurer.")

    def validate_insurance_expires_on(self, field) -> None:
        if self.insurance_basis.data != "insured":
            return
        if field.data is None:
            raise ValidationError("Enter the date your policy expires.")
        if self._today and field.data < self._today:
            raise ValidationError("That date has passed. Enter the expiry date of your current policy.")

    def validate_risk_assessment_reviewed_on(self, field) -> None:
        if field.data is None:
            if self.risk_assessment_covers_young_people.data:
                raise ValidationError("Enter the date your risk assessment was last reviewed.")
        elif self._today and field.data > self._today:
            raise ValidationError("The review date cannot be in the future.")


class PlacementForm(FlaskForm):
    title = StringField(
        "Title",
        validators=[DataRequired("Enter a title."), Length(max=120)],
        filters=[_strip],
        description="For example, “Two days in a digital studio”.",
    )
    description = TextAreaField(
        "Description",
        validators=[DataRequired("Describe the placement."), Length(max=4000)],
        filters=[_strip],
        description="What the placement is, who the student will meet and where.",
    )
    task = TextAreaField(
        "What the student will do",
        validators=[DataRequired("Say what the student will do."), Length(max=4000)],
        filters=[_strip],
        description="The task or piece of work you will set.",
    )
    activity_type = SelectField(
        "Type of activity",
        choices=[SelectChoice("", "Choose a type")]
        + [
            SelectChoice(k, v, optgroup="Encounters with employers (Gatsby Benchmark 5)")
            for k, v in vocab.ENCOUNTER_TYPES.items()
        ]
        + [
            SelectChoice(k, v, optgroup="Experiences of workplaces (Gatsby Benchmark 6)")
            for k, v in vocab.EXPERIENCE_TYPES.items()
        ],
        validators=[InputRequired("Choose the type of activity.")],
        description="Work experience placements are for Years 10 to 13 only.",
    )
    delivery_mode = RadioField(
        "How is it delivered?",
        choices=vocab.DELIVERY_MODES,
        validators=[InputRequired("Choose how the placement is delivered.")],
    )
    route = SelectField(
        "Sector (technical education route)",
        choices={"": "Choose a sector"} | vocab.ROUTES,
        validators=[InputRequired("Choose a sector.")],
    )
    postcode = StringField(
        "Workplace postcode",
        filters=[_strip],
        description="For in-person and hybrid placements. Leave it empty for virtual ones.",
        render_kw={"autocomplete": "postal-code"},
    )
    start_date = PeopleDateField("Start date", validators=[InputRequired("Enter the start date.")])
    end_date = PeopleDateField(
        "End date", validators=[InputRequired("Enter the end date.")], description="The same day for a one-day visit."
    )
    start_time = PeopleTimeField("Daily start time", validators=[InputRequired("Enter the time each day starts.")])
    end_time = PeopleTimeField(
        "Daily finish time",
        validators=[InputRequired("Enter the time each day finishes.")],
        description="At most 8 hours after the start, including breaks.",
    )
    capacity = PeopleIntegerField(
        "Number of places",
        validators=[InputRequired("Enter the number of places.")],
        render_kw={"inputmode": "numeric"},
    )
    application_deadline = PeopleDateField(
        "Application deadline",
        validators=[InputRequired("Enter the application deadline.")],
        description="Before the start date.",
    )
    year_groups = MultiCheckboxField(
        "Year groups",
        choices={y: f"Year {y}" for y in vocab.YEAR_GROUPS},
        coerce=int,
    )
    applicant_question = TextAreaField(
        "A question for applicants (optional)",
        validators=[Optional(), Length(max=500)],
        filters=[_strip],
        description="For example, “Why would you like to work with animals?”",
    )
    adjustments = MultiCheckboxField("Accessibility adjustments you offer", choices=vocab.ACCESS_FEATURES)
    criteria = MultiCheckboxField(
        "Which of these will the placement give the student?",
        choices=vocab.MEANINGFUL_CRITERIA,
        description="The Gatsby Benchmark 6 definition of a meaningful experience of a workplace.",
    )
    save = SubmitField("Save as draft")
    publish = SubmitField("Publish")

    def validate_year_groups(self, field) -> None:
        if not field.data:
            raise ValidationError("Choose at least one year group.")

    def validate_postcode(self, field) -> None:
        """Geocode in-person and hybrid workplaces offline; a virtual placement has no location."""
        field.location = None
        if self.delivery_mode.data == "virtual":
            field.data = None
            return
        if not field.data:
            raise ValidationError("Enter the workplace postcode: students need to know where to go.")
        try:
            field.location = geo.lookup(field.data)
        except geo.PostcodeError as error:
            raise ValidationError(str(error)) from None
        field.data = field.location.postcode

    # The fields a placement takes from this form (an allow-list: never populate_obj).
    COPIED = (
        "title",
        "description",
        "task",
        "activity_type",
        "delivery_mode",
        "route",
        "start_date",
        "end_date",
        "start_time",
        "end_time",
        "capacity",
        "application_deadline",
    )

    def values(self) -> dict:
        """The placement's new details, keyed as Placement attributes."""
        location = getattr(self.postcode, "location", None)
        return {name: getattr(self, name).data for name in self.COPIED} | {
            "postcode": location.postcode if location else None,
            "lat": location.lat if location else None,
            "lon": location.lon if location else None,
            "applicant_question": self.applicant_question.data or None,
            "year_groups": set(self.year_groups.data or ()),
            "adjustment_features": set(self.adjustments.data or ()),
            "meaningful_criteria": set(self.criteria.data or ()),
        }


class CancelForm(FlaskForm):
    reason = TextAreaField(
        "Why are you cancelling it?",
        validators=[DataRequired("Give a reason: we will pass it on to anyone who applied."), Length(max=2000)],
        filters=[_strip],
        description="Applicants and their schools will see this.",
    )


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


# --- allocation rounds (rounds/) --------------------------------------------------------------------


def ordinal(n: int) -> str:
    """1 -> "1st", 2 -> "2nd", 11 -> "11th"."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


MAX_ROUND_CHOICES = 10


class RoundForm(FlaskForm):
    """A new allocation round. The year group comes from the page's address (the placements listed
    depend on it); the placements' choices are set by the view."""

    name = StringField(
        "Name of the round",
        validators=[DataRequired("Give the round a name."), Length(max=120)],
        filters=[_strip],
        description="Students see it, for example “Year 10 work experience, summer term”.",
    )
    closes_on = PeopleDateField(
        "Choices close on",
        validators=[InputRequired("Enter the date choices close.")],
        description="Students can rank placements until the end of this day. For example, 14 5 2027.",
    )
    max_choices = PeopleIntegerField(
        "How many placements can each student rank?",
        validators=[InputRequired("Enter how many placements each student can rank.")],
        description=f"From 1 to {MAX_ROUND_CHOICES}.",
        render_kw={"inputmode": "numeric", "class": "input-short"},
    )
    placements = MultiCheckboxField("Placements in this round", coerce=int, validate_choice=False)

    def __init__(self, *args, today=None, placements_by_id=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._today = today
        self._placements = placements_by_id or {}

    def validate_closes_on(self, field) -> None:
        if field.data is not None and self._today is not None and field.data <= self._today:
            raise ValidationError("The closing date must be in the future.")

    def validate_max_choices(self, field) -> None:
        if field.data is not None and not 1 <= field.data <= MAX_ROUND_CHOICES:
            raise ValidationError(f"Enter a number from 1 to {MAX_ROUND_CHOICES}.")

    def validate_placements(self, field) -> None:
        chosen = field.data or []
        if not chosen:
            raise ValidationError("Choose at least one placement.")
        if any(pid not in self._placements for pid in chosen):
            raise ValidationError("A placement you chose is no longer open to this year group. Choose again.")
        closes = self.closes_on.data
        if closes is None:
            return
        for pid in chosen:
            placement = self._placements[pid]
            if placement.application_deadline < closes:
                raise ValidationError(
                    f"“{placement.title}” stops taking applications on "
                    f"{placement.application_deadline.strftime('%-d %B %Y')}, before the round closes. "
                    "Choose an earlier closing date, or leave it out."
                )


def rank_form(count: int, options: dict[str, str], **kwargs) -> FlaskForm:
    """A student's choices in a round: one select per rank ("1st choice" ...), each listing every
    placement of the round, so ranking needs no JavaScript. `options`: {placement id: label}."""

    class RankForm(FlaskForm):
        def choices(self) -> list[str]:
            """The chosen placement ids, first choice first, gaps closed up."""
            return [value for value in (getattr(self, f"choice_{n}").data for n in range(1, count + 1)) if value]

        def validate(self, extra_validators=None) -> bool:
            ok = super().validate(extra_validators)
            seen: dict[str, int] = {}
            for n in range(1, count + 1):
                field = getattr(self, f"choice_{n}")
                value = field.data
                if value and value not in options:
                    field.errors.append("Choose a placement from the list.")
                    ok = False
                elif value in seen:
                    field.errors.append(
                        f"You already chose “{options[value]}” as your {ordinal(seen[value])} choice. "
                        "Choose a different placement, or “No choice”."
                    )
                    ok = False
                elif value:
                    seen[value] = n
            if ok and not seen:
                self.choice_1.errors.append("Choose at least your 1st choice.")
                ok = False
            return ok

    for n in range(1, count + 1):
        setattr(
            RankForm,
            f"choice_{n}",
            SelectField(f"{ordinal(n)} choice", choices={"": "No choice"} | options, validate_choice=False),
        )
    return RankForm(**kwargs)


class OverrideForm(FlaskForm):
    """A careers leader's change to one student's previewed allocation; the choices are set by the view."""

    placement = SelectField(
        "New allocation",
        validators=[InputRequired("Choose the student's new allocation.")],
        validate_choice=False,
    )
    reason = TextAreaField(
        "Why are you changing it?",
        validators=[DataRequired("Write the reason for the change: it is kept in the round's log."), Length(max=2000)],
        filters=[_strip],
        description="Kept in the round's log with your name. Staff at your school can read it; students and "
        "employers cannot. Do not write health or SEND details here.",
    )

    def validate_placement(self, field) -> None:
        if field.data and field.data not in dict(field.choices):
            raise ValidationError("Choose an allocation from the list.")


PeopleHoursField = _parse_error(FloatField, "Enter the hours as a number, like 1.5.")

# Made before EvidenceForm's fields so that it comes first in GroupEvidenceForm, and in its error summary.
_students_field = MultiCheckboxField(
    "Who took part?",
    coerce=int,
    description="Everyone in the group is ticked: untick anyone who was absent.",
)


def _evidence_activity_choices() -> list[SelectChoice]:
    encounters = "Encounters with employers (Gatsby Benchmark 5)"
    experiences = "Experiences of workplaces (Gatsby Benchmark 6)"
    return (
        [SelectChoice("", "Choose a type")]
        + [SelectChoice(k, v, optgroup=encounters) for k, v in vocab.ENCOUNTER_TYPES.items()]
        + [SelectChoice("part_time_job", vocab.EVIDENCE_ACTIVITY_TYPES["part_time_job"], optgroup=encounters)]
        + [SelectChoice(k, v, optgroup=experiences) for k, v in vocab.EXPERIENCE_TYPES.items()]
    )


class EvidenceForm(FlaskForm):
    """An encounter or experience as the careers leader records it (domain.md §1.3-§1.5)."""

    activity_type = SelectField(
        "Type of activity",
        choices=_evidence_activity_choices(),
        validators=[InputRequired("Choose the type of activity.")],
        description="Work experience placements are for Years 10 to 13 only.",
    )
    date = PeopleDateField(
        "Date", validators=[InputRequired("Enter the date of the activity.")], description="For example, 27 3 2026."
    )
    duration_hours = PeopleHoursField(
        "Hours each student took part",
        validators=[InputRequired("Enter how many hours each student took part.")],
        description="For example, 1.5. A day in a workplace is usually 6 hours.",
        render_kw={"inputmode": "decimal", "class": "input-short"},
    )
    delivery_mode = RadioField(
        "How was it delivered?",
        choices=vocab.DELIVERY_MODES,
        validators=[InputRequired("Choose how the activity was delivered.")],
    )
    employer_name = StringField(
        "Employer or organisation",
        validators=[InputRequired("Enter the employer's name."), Length(max=200)],
        filters=[_strip],
    )
    employer_size_band = SelectField(
        "Employer size (optional)",
        choices={"": "Not known"} | vocab.SIZE_BANDS,
        validators=[Optional()],
        description="Benchmark 5 asks for employers of different sizes, including the self-employed.",
    )
    route = SelectField("Sector (optional)", choices={"": "Not known"} | vocab.ROUTES, validators=[Optional()])
    criteria = MultiCheckboxField(
        "Which of these did the activity give the students?",
        choices=vocab.EVIDENCE_CRITERIA,
        description="An encounter (Benchmark 5) is meaningful with the first two, two-way interaction and time to "
        "reflect; an experience of a workplace (Benchmark 6) needs all seven.",
    )
    is_part_time_job = BooleanField(
        "This is the student's own part-time job",
        description="A part-time job can count as an encounter, never as an experience of a workplace.",
    )

    def __init__(self, *args, today=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._today = today

    def validate_date(self, field) -> None:
        if field.data and self._today and field.data > self._today:
            raise ValidationError("The date cannot be in the future: record an activity once it has happened.")

    def validate_duration_hours(self, field) -> None:
        if field.data is not None and not 0 < field.data <= 500:
            raise ValidationError("Enter the hours: more than 0 and at most 500.")


class GroupEvidenceForm(EvidenceForm):
    students = _students_field

    def validate_students(self, field) -> None:
        if not field.data:
            raise ValidationError("Tick at least one student who took part.")
