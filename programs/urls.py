from django.urls import path

from programs import views

app_name = "programs"

urlpatterns = [
    path("", views.ProposalListView.as_view(), name="proposal-list"),
    path("baru/", views.ProposalCreateView.as_view(), name="proposal-create"),
    path("lanjutkan/", views.proposal_carry_over_bulk, name="proposal-carry-over-bulk"),
    path("wilayah/<str:code>/", views.region_children, name="region-children"),
    path("sub-kegiatan/", views.sub_activity_search, name="sub-activity-search"),
    path("<int:pk>/", views.ProposalDetailView.as_view(), name="proposal-detail"),
    path("<int:pk>/ubah/", views.ProposalUpdateView.as_view(), name="proposal-update"),
    path("<int:pk>/ajukan/", views.proposal_submit, name="proposal-submit"),
    path("<int:pk>/tarik/", views.proposal_withdraw, name="proposal-withdraw"),
    path("<int:pk>/kembalikan/", views.proposal_return, name="proposal-return"),
    path("<int:pk>/verifikasi/", views.proposal_verify, name="proposal-verify"),
    path("<int:pk>/lanjutkan/", views.proposal_carry_over, name="proposal-carry-over"),
]
