"""Steer → Competencies: the framework every round rates, with the behaviour that shows
each level and the level each role needs. The director and the administrator add the
organisation's own competencies and change levels; everyone may read it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from koers.engine.skills import SCALE_MAX
from koers.org import visibility as vis
from koers.org.models import Role
from koers.steer.models import Competency, RoleRequirement

EDITORS = {Role.DIRECTOR, Role.ADMIN}
RATED_ROLES = (Role.SALESPERSON, Role.MANAGER)


def anchors_field() -> str:
    """The behaviour per level is written in the editor's language."""
    return "anchors_nl" if (get_language() or "en").startswith("nl") else "anchors"


class CompetencyForm(forms.ModelForm):
    class Meta:
        model = Competency
        fields = ["code", "name", "name_nl", "description", "order"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        for level in range(1, SCALE_MAX + 1):
            self.fields[f"anchor_{level}"] = forms.CharField(
                label=_("Level %(n)s: what you see") % {"n": level},
                max_length=300,
                initial=getattr(instance, anchors_field()).get(str(level), "")
                if instance.pk
                else "",
            )
        required = {r.role: r.level for r in instance.required.all()} if instance.pk else {}
        for role in RATED_ROLES:
            self.fields[f"level_{role}"] = forms.TypedChoiceField(
                label=_("Required level: %(role)s") % {"role": Role(role).label},
                choices=[("", _("does not apply"))] + [(n, n) for n in range(1, SCALE_MAX + 1)],
                coerce=int,
                empty_value=None,
                required=False,
                initial=required.get(role),
            )

    def anchor_fields(self) -> list[Any]:
        return [self[f"anchor_{n}"] for n in range(1, SCALE_MAX + 1)]

    def level_fields(self) -> list[Any]:
        return [self[f"level_{role}"] for role in RATED_ROLES]


@transaction.atomic
def competency_save(*, form: CompetencyForm, by: Any) -> Competency:
    """Save the competency, its behaviour per level and the level each role needs."""
    if by is not None and vis.role_of(by) not in EDITORS:
        raise PermissionDenied(_("Your role may not change the competencies."))
    competency = form.save(commit=False)
    anchors = {str(n): form.cleaned_data[f"anchor_{n}"] for n in range(1, SCALE_MAX + 1)}
    setattr(competency, anchors_field(), anchors)
    if not competency.anchors:  # English is the fallback of every language
        competency.anchors = anchors
    competency.save()
    for role in RATED_ROLES:
        level = form.cleaned_data[f"level_{role}"]
        if level is None:
            RoleRequirement.objects.filter(role=role, competency=competency).delete()
        else:
            RoleRequirement.objects.update_or_create(
                role=role, competency=competency, defaults={"level": level}
            )
    return competency


def competencies_page(request: HttpRequest) -> HttpResponse:
    may_edit = vis.role_of(request.user) in EDITORS
    editing = None
    if request.GET.get("edit"):
        editing = get_object_or_404(Competency, pk=request.GET["edit"])
    form = CompetencyForm(request.POST or None, instance=editing)
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied(_("Your role may not change the competencies."))
        if form.is_valid():
            competency_save(form=form, by=request.user)
            return redirect("steer_competencies")
    competencies = Competency.objects.prefetch_related("required")
    return render(
        request,
        "steer/competencies.html",
        {
            "competencies": [
                (
                    c,
                    [c.anchor(n) for n in range(1, SCALE_MAX + 1)],
                    {r.role: r.level for r in c.required.all()},
                )
                for c in competencies
            ],
            "roles": [(role, Role(role).label) for role in RATED_ROLES],
            "form": form if may_edit else None,
            "editing": editing,
        },
    )
