"""Form helpers every app's pages use."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def attach_errors(form, error: ValidationError) -> None:
    """Show a service's validation errors on the form, by field where the form has it."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            target = field if field in form.fields else None
            for message in messages:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)
