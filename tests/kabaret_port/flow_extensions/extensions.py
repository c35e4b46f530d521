"""kabaret.flow_extensions' dev studio installer "demo" (dev_studio_extensions.flow.
flow_extensions.extensions), ported by the steps of docs/migration.md: the imports and
``_Manager`` (Names), nothing else."""

import graftflow as flow
from graftflow import TreeManager as _Manager


class MyAction(flow.Action):
    _MANAGER_TYPE = _Manager


def create_action(parent):
    if "extendable_object" in parent.oid():
        r = flow.Child(MyAction)
        r.name = "dynamic_action"
        return r


def install_extensions(session):
    return {
        "demo": [
            create_action,
        ]
    }
