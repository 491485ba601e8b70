"""The plans every workspace starts with (created once, on first use; managers then change or delete them).

The wording follows the seeds' advice: keep in touch at the moments that matter to the client, not only when
we want something, and never make a card or a call a sales pitch.
"""

from dataclasses import dataclass, field

from referral_engine.journeys.models import StepAction, StepWho, Trigger


@dataclass(frozen=True)
class BuiltInStep:
    offset_days: int
    action: str
    title: str
    script: str
    who: str = StepWho.ACCOUNT_OWNER


@dataclass(frozen=True)
class BuiltInPlan:
    key: str
    name: str
    trigger: str
    description: str
    steps: tuple[BuiltInStep, ...]
    holidays: list[str] = field(default_factory=list)


BUILT_IN_PLANS: tuple[BuiltInPlan, ...] = (
    BuiltInPlan(
        key="welcome",
        name="Welcome a new client",
        trigger=Trigger.NEW_CLIENT,
        description="A handwritten welcome card the day they sign, and a call two weeks later.",
        steps=(
            BuiltInStep(
                0,
                StepAction.CARD,
                "Welcome card",
                "Thank them for their trust; say who to call for anything.",
            ),
            BuiltInStep(
                14, StepAction.CALL, "Settling in?", "Ask how the start went and what could be smoother."
            ),
        ),
    ),
    BuiltInPlan(
        key="after_purchase",
        name="Is all well after a purchase?",
        trigger=Trigger.AFTER_PURCHASE,
        description="A short call a fortnight after each purchase.",
        steps=(
            BuiltInStep(
                14, StepAction.CALL, "Is all well?", "Ask whether everything arrived and works as hoped."
            ),
        ),
    ),
    BuiltInPlan(
        key="birthdays",
        name="Birthdays",
        trigger=Trigger.BIRTHDAY,
        description="A card that arrives on the day.",
        steps=(
            BuiltInStep(
                -3,
                StepAction.CARD,
                "Birthday card",
                "A personal line, no business.",
                who=StepWho.CONTACT_OWNER,
            ),
        ),
    ),
    BuiltInPlan(
        key="anniversary",
        name="Client anniversary",
        trigger=Trigger.CLIENT_ANNIVERSARY,
        description="Thank them for another year together.",
        steps=(
            BuiltInStep(
                0, StepAction.CALL, "Another year together", "Thank them; ask what the next year needs."
            ),
        ),
    ),
    BuiltInPlan(
        key="holidays",
        name="Season's greetings",
        trigger=Trigger.HOLIDAYS,
        description="A card to every client contact before the holidays.",
        holidays=["12-24"],
        steps=(
            BuiltInStep(
                -14,
                StepAction.CARD,
                "Season's greetings",
                "A handwritten wish for the holidays.",
                who=StepWho.CONTACT_OWNER,
            ),
        ),
    ),
    BuiltInPlan(
        key="end_of_project",
        name="End of a project",
        trigger=Trigger.END_OF_PROJECT,
        description="An appreciation gift when a project ends, and a call a month later.",
        steps=(
            BuiltInStep(
                0, StepAction.GIFT, "Appreciation gift", "A small, thoughtful gift with a note of thanks."
            ),
            BuiltInStep(30, StepAction.CALL, "How is it going?", "Ask how the result holds up in daily use."),
        ),
    ),
    BuiltInPlan(
        key="quarterly_top",
        name="Quarterly check-in with top clients",
        trigger=Trigger.QUARTERLY_TOP,
        description="A meeting early in each quarter with every top-segment account.",
        steps=(
            BuiltInStep(
                7, StepAction.MEETING, "Quarterly check-in", "Review what we did and what is coming."
            ),
        ),
    ),
)
