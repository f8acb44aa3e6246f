"""Steer → Skills matrix and Steer → Feedback rounds: rounds, invitations and answers,
and the customer's form behind a signed link."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from koers.engine.skills import SCALE_MAX
from koers.kit.forms import attach_errors
from koers.org import visibility as vis
from koers.org.models import Person
from koers.steer import feedback, selectors
from koers.steer.models import Competency, FeedbackRequest, FeedbackRound


def source_names() -> dict[str, str]:
    return {
        "combined": _("Combined (without self)"),
        "self": _("Self"),
        "manager": _("Manager"),
        "peer": _("Peers"),
        "customer": _("Customers"),
    }


def matrix_page(request: HttpRequest) -> HttpResponse:
    rounds = list(selectors.rounds_with_answers(request.user))
    chosen = next((r for r in rounds if str(r.pk) == request.GET.get("round")), None)
    round_ = chosen or (rounds[0] if rounds else None)
    source = request.GET.get("source", "combined")
    if source not in selectors.SOURCE_CHOICES:
        source = "combined"
    matrix = selectors.skills_matrix(request.user, round_, source)
    return render(
        request,
        "steer/matrix.html",
        {
            "matrix": matrix,
            "rounds": rounds,
            "sources": source_names(),
            "levels": range(1, SCALE_MAX + 1),
        },
    )


def person_skills_page(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(vis.visible_people(request.user), pk=pk)
    found = selectors.history(person)
    competencies = Competency.objects.filter(pk__in={c for _r, scores in found for c in scores})
    latest = found[-1][0] if found else None
    return render(
        request,
        "steer/person_skills.html",
        {
            "person": person,
            "history": found,
            "competencies": competencies,
            "comments": selectors.comments(latest, person) if latest else [],
            "sources": source_names(),
        },
    )


# --- rounds ---------------------------------------------------------------------------


class RoundForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    closes_on = forms.DateField(
        label=gettext_lazy("Answers until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    competencies = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Competencies"),
        queryset=Competency.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )


def rounds_page(request: HttpRequest) -> HttpResponse:
    may_create = vis.may_lead_steer(request.user)
    form = RoundForm(request.POST or None, initial={"competencies": Competency.objects.all()})
    if request.method == "POST":
        if not may_create:
            raise PermissionDenied(_("Your role may not run feedback rounds."))
        if form.is_valid():
            try:
                round_ = feedback.round_create(**form.cleaned_data, by=request.user)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                return redirect("steer_round", round_.pk)
    me = vis.person_of(request.user)
    to_answer = (
        FeedbackRequest.objects.filter(
            rater=me, answered_at=None, round__status=FeedbackRound.Status.OPEN
        ).select_related("subject", "round")
        if me
        else []
    )
    return render(
        request,
        "steer/rounds.html",
        {
            "rounds": vis.visible_feedback_rounds(request.user).select_related("owner"),
            "form": form if may_create else None,
            "to_answer": to_answer,
        },
    )


class SubjectsForm(forms.Form):
    subjects = forms.ModelMultipleChoiceField(
        label=gettext_lazy("People to rate"),
        queryset=Person.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subjects"].queryset = (
            vis.visible_sellers(user).active_on(timezone.localdate()).order_by("last_name")
        )


class CustomerForm(forms.Form):
    subject = forms.ModelChoiceField(label=gettext_lazy("About"), queryset=Person.objects.none())
    name = forms.CharField(label=gettext_lazy("Customer contact"), max_length=120)
    email = forms.EmailField(label=gettext_lazy("E-mail"))

    def __init__(self, *args: Any, round_: FeedbackRound, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = Person.objects.filter(
            pk__in=round_.requests.values("subject")
        ).order_by("last_name")


@require_http_methods(["GET", "POST"])
def round_page(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_object_or_404(vis.visible_feedback_rounds(request.user), pk=pk)
    me = vis.person_of(request.user)
    owns = vis.sees_everything(request.user) or (me is not None and round_.owner_id == me.pk)
    subjects = SubjectsForm(user=request.user)
    customer = CustomerForm(round_=round_)
    if request.method == "POST":
        if not owns:
            raise PermissionDenied(_("Only the round's owner may change it."))
        action = request.POST.get("action")
        try:
            if action == "subjects":
                subjects = SubjectsForm(request.POST, user=request.user)
                if subjects.is_valid():
                    n = feedback.round_add_subjects(
                        round_=round_, subjects=subjects.cleaned_data["subjects"], by=request.user
                    )
                    messages.success(request, _("%(n)s raters asked.") % {"n": n})
                    return redirect("steer_round", pk)
            elif action == "customer":
                customer = CustomerForm(request.POST, round_=round_)
                if customer.is_valid():
                    feedback.round_add_customer(
                        round_=round_, by=request.user, **customer.cleaned_data
                    )
                    return redirect("steer_round", pk)
            elif action in {"open", "remind"}:
                act = feedback.round_open if action == "open" else feedback.round_remind
                sent = act(round_=round_, by=request.user)
                messages.success(request, _("%(n)s e-mails sent.") % {"n": sent})
                return redirect("steer_round", pk)
            elif action == "close":
                feedback.round_close(round_=round_, by=request.user)
                return redirect("steer_round", pk)
        except ValidationError as exc:
            attach_errors(customer if action == "customer" else subjects, exc)
    return render(
        request,
        "steer/round.html",
        {
            "round": round_,
            "owns": owns,
            "tracking": selectors.response_tracking(round_) if owns else [],
            "subjects_form": subjects,
            "customer_form": customer,
            "customers": round_.requests.filter(
                source=FeedbackRequest.Source.CUSTOMER
            ).select_related("subject")
            if owns
            else [],
            "sources": FeedbackRequest.Source.choices,
        },
    )


# --- answering -----------------------------------------------------------------------


class AnswerForm(forms.Form):
    """A score and a comment per competency; the levels' behaviour shown with each score."""

    def __init__(
        self, *args: Any, competencies: list[Competency], dont_know: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.competencies = competencies
        for c in competencies:
            choices = [(level, f"{level} – {c.anchor(level)}") for level in range(1, SCALE_MAX + 1)]
            if dont_know:  # a customer may not have seen it
                choices.append((feedback.DONT_KNOW, _("Don't know")))
            self.fields[f"score_{c.pk}"] = forms.TypedChoiceField(
                label=c.label, coerce=int, choices=choices, widget=forms.RadioSelect
            )
            self.fields[f"comment_{c.pk}"] = forms.CharField(
                label=_("Comment on %(competency)s") % {"competency": c.label},
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def pairs(self) -> list[tuple[Any, Any]]:
        return [(self[f"score_{c.pk}"], self[f"comment_{c.pk}"]) for c in self.competencies]

    def scores(self) -> dict[int, tuple[int, str]]:
        data = self.cleaned_data
        return {c.pk: (data[f"score_{c.pk}"], data[f"comment_{c.pk}"]) for c in self.competencies}


def _answer(request: HttpRequest, feedback_request: FeedbackRequest, by: Any, template: str):
    competencies = feedback.competencies_to_rate(feedback_request)
    customer = feedback_request.source == FeedbackRequest.Source.CUSTOMER
    form = AnswerForm(request.POST or None, competencies=competencies, dont_know=customer)
    if request.method == "POST" and form.is_valid():
        try:
            feedback.feedback_answer(request=feedback_request, scores=form.scores(), by=by)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return render(request, template, {"done": True, "request_": feedback_request})
    return render(request, template, {"form": form, "request_": feedback_request})


@require_http_methods(["GET", "POST"])
def answer_page(request: HttpRequest, pk: int) -> HttpResponse:
    me = vis.person_of(request.user)
    if me is None:  # a login without a person rates nobody (and a customer's request has no rater)
        raise Http404(_("No such request."))
    feedback_request = get_object_or_404(
        FeedbackRequest.objects.select_related("round", "subject"), pk=pk, rater=me
    )
    if feedback_request.answered_at is not None:
        messages.info(request, _("These answers are in already."))
        return redirect("steer_rounds")
    return _answer(request, feedback_request, request.user, "steer/answer.html")


@require_http_methods(["GET", "POST"])
def customer_feedback(request: HttpRequest, token: str) -> HttpResponse:
    """The customer's form: no login, nothing but the form. The link is checked on every
    request (signature, age, single use, the round still open)."""
    try:
        feedback_request = feedback.request_for_token(token, today=timezone.localdate())
    except feedback.LinkRefused as exc:
        response = render(request, "steer/customer.html", {"refused": str(exc)}, status=410)
    else:
        response = _answer(request, feedback_request, None, "steer/customer.html")
    # the token is in the address: no other site learns it (a stricter "no-referrer"
    # would make the browser send "Origin: null" with the form, which CSRF refuses)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response
