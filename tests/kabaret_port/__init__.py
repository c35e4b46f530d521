"""kabaret's own dev studio, ported to graftflow by the steps of docs/migration.md.

- ``demo_project``: kabaret's ``dev_studio.flow.demo_project``;
- ``showcase``: the parts of kabaret's ``dev_studio.flow.unittest_project.showcase``
  about the flow model (values, relations, maps, map views, injection);
- ``unittest_project``: kabaret's ``UnittestProject`` holding them;
- ``flow_extensions``: kabaret.flow_extensions' dev studio (its project and its two
  installers).

tests/test_kabaret_port.py runs each of them side by side with the original, on
kabaret 2.4.1 and kabaret-flow-extensions 1.1.0.
"""
