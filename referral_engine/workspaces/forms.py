"""Forms for signing in, invitations, the profile and the workspace settings. They parse and check input only;
the writes are in services.py."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.password_validation import password_validators_help_text_html
from unfold.widgets import (
    UnfoldAdminEmailInputWidget,
    UnfoldAdminPasswordWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextInputWidget,
)

from referral_engine.workspaces.models import Membership, Role


def _password(label: str, autocomplete: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        help_text=help_text,
        widget=UnfoldAdminPasswordWidget(attrs={"autocomplete": autocomplete}),
    )


class SignInForm(auth_forms.AuthenticationForm):
    username = forms.EmailField(
        label="E-mail",
        widget=UnfoldAdminEmailInputWidget(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    password = _password("Password", "current-password")

    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": "That e-mail and password do not match an account. Check both and try again.",
        "inactive": "This account has been switched off. Ask an owner of your workspace.",
    }

    def clean_username(self) -> str:
        # E-mail addresses are stored in lower case (see UserManager.create_user).
        return self.cleaned_data["username"].strip().lower()


class PasswordResetRequestForm(auth_forms.PasswordResetForm):
    email = forms.EmailField(
        label="E-mail",
        max_length=254,
        widget=UnfoldAdminEmailInputWidget(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class NewPasswordForm(auth_forms.SetPasswordForm):
    """Choosing a new password from a reset link."""

    new_password1 = _password("New password", "new-password", password_validators_help_text_html())
    new_password2 = _password("New password again", "new-password")


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Checks the current password and the new one; services.user_password_set writes it."""

    old_password = _password("Current password", "current-password")
    new_password1 = _password("New password", "new-password", password_validators_help_text_html())
    new_password2 = _password("New password again", "new-password")


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        label="Your name",
        max_length=150,
        widget=UnfoldAdminTextInputWidget(attrs={"autocomplete": "name"}),
    )


class WorkspaceForm(forms.Form):
    name = forms.CharField(label="Workspace name", max_length=200, widget=UnfoldAdminTextInputWidget())


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label="E-mail",
        widget=UnfoldAdminEmailInputWidget(
            attrs={"placeholder": "colleague@example.com", "autocomplete": "off"}
        ),
    )
    role = forms.ChoiceField(
        label="Role",
        choices=[(Role.MEMBER, "Member — works with accounts, referrals and tasks")],
        widget=UnfoldAdminSelectWidget(),
    )

    def __init__(self, *args, inviter: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [
            (Role.MEMBER.value, "Member — works with accounts, referrals and tasks"),
            (Role.ADMIN.value, "Admin — also manages people and settings"),
        ]
        if inviter.role == Role.OWNER:
            choices.append((Role.OWNER.value, "Owner — everything an admin can, and invites owners"))
        self.fields["role"].choices = choices


class AcceptInvitationForm(forms.Form):
    """For someone without an account yet: their name and a password."""

    full_name = forms.CharField(
        label="Your name", max_length=150, widget=UnfoldAdminTextInputWidget(attrs={"autocomplete": "name"})
    )
    password1 = _password("Choose a password", "new-password", password_validators_help_text_html())
    password2 = _password("The password again", "new-password")

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("password1")
            and cleaned.get("password2")
            and cleaned["password1"] != cleaned["password2"]
        ):
            self.add_error("password2", "The two passwords differ.")
        return cleaned
