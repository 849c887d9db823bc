import os

from django.core.wsgi import get_wsgi_application

from warden.lib.private_files import PRIVATE_UMASK

# Files the web server writes (uploads, the mail spool) are for Warden's user alone, also
# when a server runs this module without `warden serve`.
os.umask(PRIVATE_UMASK)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "warden.settings")
application = get_wsgi_application()
