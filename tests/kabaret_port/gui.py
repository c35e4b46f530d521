"""kabaret's GUI-only relations, as the migration guide ports them (GUI-only features).

A studio defines these once; the ported modules import them instead of kabaret's.
"""

import graftflow as gf


def Label(text, label=""):
    """kabaret's ``flow.Label``: a param the browser shows as (HTML) text."""
    return gf.Param(None).ui(editor="label", text=text, label=label)


def Separator():
    """kabaret's ``flow.Separator``: a line between relations."""
    return Label("<hr>")
