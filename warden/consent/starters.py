"""Starter purposes every school is given, written for Warden from the rules in the school
policies (policy duties "Images published only with parents' written consent" and
"Communications matrix set by the school", docs/policy-map.md).

A school reads, adapts and publishes each text before anyone is asked. "Name with image" is
never allowed: a pupil's full name is not published beside their image (policy duty "No pupil's
full name beside their image"; the staff agreement's "Photographs and Video"), so nobody is
asked about it.
"""

from __future__ import annotations

from dataclasses import dataclass

from warden.consent.models import Asks


@dataclass(frozen=True)
class StarterPurpose:
    slug: str
    name: str
    summary: str
    text: str
    asks: str = Asks.PARENTS


_WITHDRAW = (
    "Every parent or carer with parental responsibility is asked, and the school uses images "
    "only when all of them have said yes. You may withdraw your consent in writing at any "
    "time, through the link the school sends you or by writing to the school office; it "
    "counts from that moment. Your answer lasts for the whole time your child is at the "
    "school unless you change it."
)

STARTERS = [
    StarterPurpose(
        "displays",
        "Photographs in school displays",
        "Photos of your child on noticeboards and displays inside the school.",
        "The school may take photographs of your child during lessons and events with school "
        "equipment and show them on displays inside the school buildings, which visitors may "
        f"see. Names are not shown beside the photographs. {_WITHDRAW}",
    ),
    StarterPurpose(
        "website",
        "School website",
        "Photos of your child on the school's public website.",
        "The school may publish photographs of your child on its website, which anyone can "
        "see and which may stay available online. Your child's full name is never published "
        f"with their image, nor any address. {_WITHDRAW}",
    ),
    StarterPurpose(
        "social-media",
        "School social media",
        "Photos of your child in posts on the school's own social-media accounts.",
        "The school's social-media team may post photographs of your child on the school's "
        "own social-media accounts, after checking them as the school's protocol requires. "
        "Posts can be shared by others and may stay online. Full names are never posted "
        f"with images. {_WITHDRAW}",
    ),
    StarterPurpose(
        "press",
        "Local press",
        "Photos of your child in local newspapers and their websites.",
        "The school may let local newspapers photograph your child at school events and "
        "publish the photographs in print and online. The school does not give the press "
        f"your child's full name with the image. {_WITHDRAW}",
    ),
    StarterPurpose(
        "performance-video",
        "Video of performances",
        "Video of plays, concerts and sports days that include your child.",
        "The school may film performances, concerts and sports events that include your "
        "child and share the recording with the families of the pupils taking part. "
        f"{_WITHDRAW}",
    ),
    StarterPurpose(
        "work-online",
        "Pupil work online",
        "Your child's written and art work shown on the website or learning platform.",
        "The school may show your child's work (writing, art, projects) on its website or "
        "learning platform, with their first name at most, never their full name. "
        f"{_WITHDRAW}",
    ),
    StarterPurpose(
        "name-with-image",
        "Name with image",
        "A pupil's full name is never published beside their image.",
        "The school never publishes a pupil's full name beside their photograph or video, "
        "nor a photograph beside their full name, whatever else has been agreed. Nobody is "
        "asked to consent to this and no one may appear with their full name.",
        asks=Asks.NEVER,
    ),
]
