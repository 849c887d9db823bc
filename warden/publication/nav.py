from warden.core.nav import NavItem
from warden.core.roles import Perm, Role

NAV_ITEMS = [
    NavItem("Data protection", "Media register", "publication:media_list", Perm.MEDIA_RECORD, 30),
    NavItem("Data protection", "Images to remove", "publication:purge", Perm.MEDIA_MANAGE, 31),
    NavItem(
        "Data protection",
        "Posts",
        "publication:post_list",
        Perm.POSTS_SUBMIT,
        32,
        daily=frozenset({Role.TEACHER}),
    ),
    NavItem(
        "Data protection",
        "Recording on personal devices",
        "publication:recording_list",
        Perm.MEDIA_RECORD,
        33,
    ),
    NavItem(
        "Administration",
        "Images and social-media team",
        "publication:settings",
        Perm.SCHOOL_CONFIGURE,
        45,
    ),
]
