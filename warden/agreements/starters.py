"""Starter texts for each audience, written for Warden from the rules in the school policies.

A school edits the draft before publishing it. Each text names the policy it draws on so a
reader can check it; none repeats a policy's wording at length.
"""

from __future__ import annotations

from dataclasses import dataclass

from warden.agreements.models import Audience
from warden.agreements.text import reflow


@dataclass(frozen=True)
class Starter:
    title: str
    text: str


_STAFF = """\
This agreement covers your use of the school's computers, network, e-mail, cloud services
and devices, in school and away from it. It draws on the school's ICT security and online
safety policies. Please read it, ask the ICT manager about anything unclear, and sign it.
You will be asked to sign it again each year.

Access and passwords
1. I will use only the account and password issued to me, keep my password to myself, and
   change it straight away if I think someone else knows it.
2. I will not let anyone without permission use school systems through my account, and I
   will lock or sign out of any device I leave unattended.

Professional use
3. I will use school systems for my work, and for personal use only in the ways and at the
   times the headteacher and governors allow.
4. I will communicate with pupils and parents only through the school's approved systems,
   and keep every message compatible with my professional role.
5. I will not look for, store or send material that is offensive, illegal, discriminatory
   or unsuitable for children, and I will report straight away anything of that kind I
   come across by accident, or any gap in the web filtering.
6. I will keep my personal social media separate from my role, and I will not include
   pupils or recent former pupils in personal online networks.

Data and images
7. I will keep personal data about pupils, families and colleagues secure and confidential,
   take it off site only with permission, and encrypt it whenever it leaves school.
8. I will take, store and share images of pupils only on school equipment, for school
   purposes, and in line with parents' consent.

Equipment and software
9. I will not install software or connect equipment to the network without the ICT
   manager's permission, and I will look after any device lent to me and return it when
   asked.

Monitoring and safeguarding
10. I understand that my use of school systems is monitored and logged, and that records
    may be seen by the headteacher or the designated safeguarding lead.
11. I will report any safeguarding concern that arises online to the designated
    safeguarding lead without delay.

I have read this agreement and will follow it. I understand that my school accounts are
issued, and stay open, only while I keep to it, and that breaking it may lead to
disciplinary action.
"""

_SUPPLY = """\
This short agreement is for supply and temporary staff. It sums up the school's ICT
security rules for the time you work here; the office can show you the full policy.

1. I will use only the login I have been given for my time at the school, and I will not
   share it or use anyone else's.
2. I will sign out of, or lock, any computer or board I have used before I leave it.
3. I will use school systems only for the work I have been asked to do.
4. I will not contact pupils by personal e-mail, phone or social media, or give them my
   personal details.
5. I will not take photographs or videos of pupils on my own devices.
6. I will keep any pupil information I see confidential and leave it in school.
7. I will report at once to the designated safeguarding lead any concern about a pupil's
   safety, and to the office any unsuitable material that gets past the filter.
8. I understand that my use of school systems is monitored and logged.

I have read and will follow these rules while I work at the school.
"""

_GOVERNOR_VISITOR = """\
This agreement is for governors, volunteers, contractors and visitors who are given access
to the school's computers, Wi-Fi or online services.

1. I will use school systems only for the purpose my access was given for, and only for
   as long as it was given.
2. I will keep any password or login to myself and tell the school if I think it has been
   seen by someone else.
3. I will treat any information about pupils, families or staff that I see as
   confidential, keep it secure, and not take it away or share it without permission.
4. I will not install software or connect devices to the school network without
   permission from the ICT manager.
5. I will not look for, store or share anything offensive, illegal or unsuitable for
   children, and I will report anything of that kind I come across.
6. I will not take or share images of pupils without the school's permission.
7. My messages with pupils, families and staff will be appropriate to my role at the
   school.
8. I understand that my use of school systems is monitored and logged.

I have read and will follow this agreement.
"""

_COMMUNITY = """\
This agreement is for members of the wider community who use the school's systems, Wi-Fi
or website as part of the school's community provision. You need to sign it before you are
given access.

1. I will use the access I am given only for the activity it was provided for.
2. I will keep my login to myself and sign out when I have finished.
3. I will not try to get round the web filter or reach parts of the network I have not
   been given access to.
4. I will not look for, store or share anything offensive, illegal or unsuitable for
   children.
5. If I bring my own device, I will keep it up to date and protected against viruses, and
   I accept that the school may refuse to connect it.
6. I will respect the privacy of pupils, families and staff and will not take or share
   their images or information.
7. I understand that my use of school systems is monitored and logged, and that the school
   may withdraw my access if I break this agreement.

I have read and will follow this agreement.
"""

_PARENT = """\
This agreement is for parents and carers. The school teaches pupils to use technology
safely and asks families to support that at home.

1. I have read the acceptable-use rules my child has been asked to follow, and I will talk
   them through with my child in a way that suits their age.
2. I will support the school's approach to online safety and will not post text, images,
   sound or video that could upset or offend any member of the school community.
3. I will use the school's parent services (website, messaging, records) only for their
   intended purpose and keep my own login to myself.
4. I will follow the school's guidance on photographs and video taken at school events.
5. I will tell the school if I have a concern about my child's safety online.

I have read this agreement and will support the school in keeping children safe online.
"""

_PUPILS_YOUNG = """\
My rules for using computers and tablets at school.

1. I will ask a grown-up before I use a computer, tablet or the internet.
2. I will only use them for the things my teacher has said.
3. I will keep my password secret, except from my grown-ups at home and my teacher.
4. I will be kind and polite when I send messages or make things online.
5. If I see something that upsets or worries me, I will tell a grown-up straight away.
6. I will not tell anyone online my address, my phone number or where I go to school.
7. I know that my teachers can see what I do on school computers, to help keep me safe.

I will follow these rules to keep myself and my friends safe.

For the parent or carer: I have read these rules and will talk about them with my child.
"""

_PUPILS_KS2 = """\
Our rules for using technology safely at school.

1. I am responsible for how I behave when I use school computers, tablets and the
   internet.
2. I will only use school technology for school work, and with a teacher's permission.
3. I will keep my password to myself and will only use my own login.
4. I will only open or delete my own files, and only when my teacher says so.
5. I will be polite and sensible in anything I write, send or post, and I will not upload
   anything that could upset someone in our school.
6. I will not look for anything unkind, unpleasant or rude. If I see something like that
   by accident, I will turn off the screen and tell an adult straight away.
7. I will not give out my home address, phone number or other personal details, and I
   will never agree to meet someone I have only met online.
8. I will only open e-mails and attachments from people I know or that the school has
   approved.
9. I will log off when I have finished.
10. I know the school checks how I use technology, and that my parents or carers may be
    told if a teacher is worried about my safety online.

I will follow these rules. If I feel unsafe, I will tell a teacher or a trusted adult.
"""

_PUPILS_KS3 = """\
Acceptable use of the school network, internet and devices (Key Stage 3).

1. I will use school IT only for the purposes the school allows.
2. I will log on only as myself, keep my password private, change it when asked, and I
   will not try to get round the internet filter.
3. I will treat equipment with care and tell a member of staff about any damage. I will
   not install software on school devices.
4. I will be responsible and considerate in everything I send or post, in school and
   outside it, and I will not use technology to bully, upset or embarrass anyone.
5. I will not look for, download or share material that is offensive or illegal. If I
   come across anything like that, I will report it to a member of staff at once.
6. I will be very careful with personal information online, and I will not arrange to
   meet someone I know only online without my parents' or carers' agreement.
7. I will use my mobile phone in school only when a member of staff allows it for a
   lesson.
8. In online lessons I will follow the usual behaviour rules and my teachers' instructions
   about cameras and microphones.
9. I understand that my use of school systems is monitored, and that breaking these rules
   can lead to school sanctions and my parents or carers being contacted.

I have read these rules and will follow them.
"""

_PUPILS_KS4 = """\
Acceptable use of the school network, internet and devices (Key Stage 4 and sixth form).

1. I will use school IT for my studies and for purposes the school permits, and log on
   only with my own account.
2. I will keep my password private and change it when asked; I will not attempt to get
   round the filtering or security of the network.
3. I will treat hardware with care, report any damage, and not install software on school
   devices.
4. My online activity, in school and outside it, will not cause distress to students,
   staff or others, or bring the school into disrepute.
5. I will not browse, download, upload or forward offensive or illegal material, and I
   will report anything of that kind I find.
6. I will respect other people's privacy and work: I will not take, share or publish
   images of students or staff without permission, and I will credit sources I use.
7. I will take great care with personal information online and will not arrange to meet
   anyone I know only online without telling a trusted adult.
8. I will use a mobile phone in lessons only when a member of staff allows it.
9. I understand that my use of school systems is monitored and logged, and that breaking
   these rules leads to school sanctions.

I have read these rules and will follow them.
"""

_DEVICE_LOAN = """\
This agreement covers a device (laptop, tablet or similar) lent to you by the school. The
device stays the school's property throughout the loan.

1. I will use the device for school work and keep it with me or locked away; I will not
   leave it on view in a car or unattended anywhere.
2. I will not let family or friends use it, and I will keep its login and password to
   myself.
3. I will look after it: no heavy objects on it, no food or drink near it, no extreme heat
   or cold, and only suitable cleaning materials on the screen.
4. I will not install software, remove the school's security or monitoring, or try to
   change how the device is managed.
5. I will use it in line with the acceptable-use agreement I have signed.
6. I will report loss, theft or damage to the ICT manager or the headteacher at once.
7. I will hand the device back when the school asks, including for updates or checks, and
   when I leave the school.
8. I understand the device is monitored by the school.

I have read and accept these conditions of the loan.
"""


def _starter(title: str, text: str) -> Starter:
    # Written wrapped to fit this file; stored with each paragraph and point on one line,
    # so the text reflows to any screen (warden.agreements.text).
    return Starter(title, reflow(text))


STARTERS: dict[str, Starter] = {
    Audience.STAFF: _starter("Staff acceptable-use agreement", _STAFF),
    Audience.PUPIL_EYFS_KS1: _starter("EYFS and KS1 pupils' acceptable-use rules", _PUPILS_YOUNG),
    Audience.PUPIL_KS2: _starter("KS2 pupils' acceptable-use agreement", _PUPILS_KS2),
    Audience.PUPIL_KS3: _starter("KS3 pupils' acceptable-use agreement", _PUPILS_KS3),
    Audience.PUPIL_KS4: _starter("KS4 and sixth form acceptable-use agreement", _PUPILS_KS4),
    Audience.PARENT: _starter("Parents' and carers' acceptable-use agreement", _PARENT),
    Audience.GOVERNOR_VISITOR: _starter(
        "Governors' and visitors' acceptable-use agreement", _GOVERNOR_VISITOR
    ),
    Audience.SUPPLY: _starter("Supply staff ICT security agreement", _SUPPLY),
    Audience.COMMUNITY: _starter("Community user agreement", _COMMUNITY),
    Audience.DEVICE_LOAN: _starter("Device loan agreement", _DEVICE_LOAN),
}
