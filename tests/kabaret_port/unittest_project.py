"""kabaret's ``UnittestProject`` (dev_studio.flow.unittest_project), ported by the steps
of docs/migration.md, holding the showcases about the flow model.

kabaret's project also holds showcases of its Qt browser (editors, ui_config, actions'
dialogs, a custom page, icons, home page settings); they show widgets, not the flow
model, so they are not part of this port.
"""

from graftflow import Child, Object

from .showcase.injection import InjectionGroup
from .showcase.maps import MapsGroup
from .showcase.relations import RelationsGroup
from .showcase.values import ValuesGroup


class UnittestProject(Object):
    values = Child(ValuesGroup)
    maps = Child(MapsGroup)
    relations = Child(RelationsGroup)
    injection = Child(InjectionGroup)
