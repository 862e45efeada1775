"""The case's FHIR file (issue 13, point 2): who may open the case page may download its
ratings as FHIR R4 NDJSON (fokus/interchange/fhir.py). Never with CPR numbers: a file
with them is made on the command line or by an API token that may read them."""

import io

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from fokus.cases import access
from fokus.interchange.fhir import export_case

NDJSON = "application/fhir+ndjson; charset=utf-8"


@login_required
@require_GET
def case_fhir(request, case_id: int):
    case = access.get_case_for_user(request.user, case_id, purpose="FHIR download",
                                    shown=access.all_persons)
    out = io.StringIO()
    export_case(case, out, user=request.user, include_cpr=False)
    response = HttpResponse(out.getvalue(), content_type=NDJSON)
    response["Content-Disposition"] = f'attachment; filename="fokus-case-{case.pk}.ndjson"'
    return response
