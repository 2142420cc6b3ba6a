"""Type aliases the apps share."""

from django.contrib.auth.models import AnonymousUser, User

# Who makes a change: a signed-in user, an anonymous request (refused before any write), or None for the system
# (a management command, a background job). Audit entries record None as "sistem".
Actor = User | AnonymousUser | None


def person(actor: Actor) -> User | None:
    """The user to record as author (`created_by`, `added_by`, `decided_by`), or None for the system."""
    return actor if isinstance(actor, User) and actor.is_authenticated else None
