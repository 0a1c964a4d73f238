"""URLs of the cockpit: certificates. The public check of a code needs no login ("certificats" must stay a
reserved edition slug)."""

from django.urls import path

from .views import certificates

urlpatterns = [
    path("certificats/verifier/", certificates.verify_certificate_form, name="verify_certificate_form"),
    path("certificats/<str:code>/", certificates.verify_certificate, name="verify_certificate"),
    path("<slug:slug>/cockpit/attestations/", certificates.certificates, name="certificates"),
    path("<slug:slug>/cockpit/attestations/emettre/", certificates.certificates_issue, name="certificates_issue"),
    path(
        "<slug:slug>/cockpit/attestations/<int:pk>/revoquer/",
        certificates.certificate_revoke,
        name="certificate_revoke",
    ),
    path("<slug:slug>/attestations/<int:pk>/pdf/", certificates.certificate_download, name="certificate_download"),
    path("<slug:slug>/mes-attestations/", certificates.my_certificates, name="my_certificates"),
]
