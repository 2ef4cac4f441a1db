"""Terraform's JSON syntax (``.tf.json``, ``.tfvars.json``) into the same plain tree the native syntax
gives (:mod:`analyzer.frontends.terraform.syntax`), so one module may mix both and is evaluated alike.

As Terraform defines it (https://developer.hashicorp.com/terraform/language/syntax/json): the root
object's properties are block types; a block type with labels nests one object level per label
(``"resource": {"TYPE": {"NAME": {...}}}``), and any level may be an array of such objects. In a
block body a property is a nested block or an argument as the provider's schema says: without the
schema, an object (or an array of objects) is a nested block, except the arguments listed in
:data:`OBJECT_ARGUMENTS` that take a map or an object. A string in an expression is a template
(``"${azurerm_kubernetes_fleet_manager.fleet.id}"``; a template that is one interpolation is that
expression's value); ``variable`` defaults and descriptions, module ``source`` and ``version`` are
literal; a variable's ``type`` and the items of ``depends_on`` are expressions written as strings;
``lifecycle.ignore_changes`` lists attribute names. A property named ``"//"`` in a block body is a
comment and ignored.
"""

from __future__ import annotations

from typing import Any

from fleetiac.analyzer.frontends.terraform import syntax as s
from fleetiac.analyzer.frontends.terraform.jsonsyntax import JArray, JObject, JValue

LABELS = {"resource": 2, "data": 2, "variable": 1, "output": 1, "module": 1, "provider": 1, "check": 1,
          "ephemeral": 2}
"""Labels of each top-level block type (others have none)."""
NESTED_LABELS = {"dynamic": 1, "provisioner": 1, "backend": 1}
ATTRIBUTE_BLOCKS = {"locals", "required_providers"}
"""Block types whose every property is an argument."""
OBJECT_ARGUMENTS = {"tags", "body", "sensitive_body", "manifest", "labels", "node_labels", "headers",
                    "query_parameters", "output", "providers", "default", "value", "for_each",
                    "triggers", "triggers_replace", "replace_triggers_refs", "annotations", "metadata",
                    "settings", "protected_settings", "parameters", "variables", "locals"}
"""Arguments of the resources fleetiac reads (and of ``module``/``output``/``variable`` blocks) that
take a map or object, so an object written for them is a value, not a nested block."""
LITERAL_ARGUMENTS = {"variable": {"default", "description", "sensitive", "nullable", "ephemeral"},
                     "module": {"source", "version"}, "output": {"description", "sensitive"}}


def _pos(key: s.Pos, value: Any) -> s.Pos:
    """From a property's key to the end of its value."""
    return s.Pos(key.line, key.column, value.pos.end_line, value.pos.end_column)


def convert_file(root: Any, display: str) -> s.ParsedFile:
    """A ``.tf.json`` file's JSON (with positions) as a parsed file; raises
    :class:`~analyzer.frontends.terraform.syntax.SyntaxProblem` where Terraform would reject it."""
    if not isinstance(root, JObject):
        raise s.SyntaxProblem("a .tf.json file must hold an object", root.pos.line, root.pos.column)
    blocks: list[s.Block] = []
    for key, key_pos, value in root.members:
        if key == "//":
            continue
        blocks.extend(_labelled(key, LABELS.get(key, 0), (), key_pos, value, ()))
    return s.ParsedFile(display, tuple(blocks), {})


def _labelled(block_type: str, left: int, labels: tuple[str, ...], key_pos: s.Pos, value: Any,
              outer: tuple[str, ...]) -> list[s.Block]:
    """The blocks written under ``block_type`` with ``left`` labels still to read."""
    if isinstance(value, JArray):
        return [b for item in value.items for b in _labelled(block_type, left, labels, key_pos, item, outer)]
    if not isinstance(value, JObject):
        raise s.SyntaxProblem(f'a "{block_type}" block must be written as an object', value.pos.line,
                              value.pos.column)
    if left == 0:
        return [_block(block_type, labels, _pos(key_pos, value), value, outer)]
    out: list[s.Block] = []
    for label, label_pos, inner in value.members:
        if label == "//":
            continue
        out.extend(_labelled(block_type, left - 1, (*labels, label), label_pos, inner, outer))
    return out


def _block(block_type: str, labels: tuple[str, ...], pos: s.Pos, body: JObject, outer: tuple[str, ...]) -> s.Block:
    attributes: dict[str, s.Attribute] = {}
    blocks: list[s.Block] = []
    path = (*outer, block_type)
    for name, key_pos, value in body.members:
        if name == "//":
            continue
        if _is_block(path, name, value):
            blocks.extend(_labelled(name, NESTED_LABELS.get(name, 0), (), key_pos, value, path))
            continue
        if name in attributes:
            raise s.SyntaxProblem(f'attribute "{name}" is defined more than once', key_pos.line, key_pos.column)
        attributes[name] = s.Attribute(name, _argument(path, name, value), _pos(key_pos, value))
    return s.Block(block_type, labels, attributes, tuple(blocks), pos)


def _is_block(path: tuple[str, ...], name: str, value: Any) -> bool:
    if path[-1] in ATTRIBUTE_BLOCKS or (len(path) == 1 and path[0] in ("variable", "output", "module")):
        return name in ("validation", "precondition", "postcondition") and path[0] in ("variable", "output")
    if name in OBJECT_ARGUMENTS and path[-1] != "dynamic":
        return False
    if path[-1] == "dynamic":
        return name == "content"
    if isinstance(value, JObject):
        return True
    return isinstance(value, JArray) and bool(value.items) and all(isinstance(i, JObject) for i in value.items)


def _argument(path: tuple[str, ...], name: str, value: Any) -> s.Expr:
    if name in LITERAL_ARGUMENTS.get(path[0], ()) and len(path) == 1:
        return literal(value)
    if path == ("variable",) and name == "type" and isinstance(value, JValue) and isinstance(value.value, str):
        return expression_text(value.value, value.pos)
    if name == "depends_on" and isinstance(value, JArray):
        return s.TupleExpr(value.pos, tuple(expression_text(i.value, i.pos) if isinstance(i, JValue)
                                            and isinstance(i.value, str) else literal(i) for i in value.items))
    if path[-1] == "lifecycle" and name == "ignore_changes":
        if isinstance(value, JValue) and value.value == "all":
            return s.Name(value.pos, "all")
        return literal(value)
    if name == "provider" and isinstance(value, JValue) and isinstance(value.value, str):
        return expression_text(value.value, value.pos)
    return expression(value)


def literal(node: Any) -> s.Expr:
    """A JSON value taken literally (no templates)."""
    if isinstance(node, JObject):
        return s.ObjectExpr(node.pos, tuple((s.Literal(k, key), literal(v)) for key, k, v in node.members))
    if isinstance(node, JArray):
        return s.TupleExpr(node.pos, tuple(literal(i) for i in node.items))
    return s.Literal(node.pos, node.value)


def expression(node: Any) -> s.Expr:
    """A JSON value as an expression: strings are templates."""
    if isinstance(node, JObject):
        return s.ObjectExpr(node.pos, tuple((template(key, k), expression(v)) for key, k, v in node.members))
    if isinstance(node, JArray):
        return s.TupleExpr(node.pos, tuple(expression(i) for i in node.items))
    if isinstance(node.value, str):
        return template(node.value, node.pos)
    return s.Literal(node.pos, node.value)


def template(text: str, pos: s.Pos) -> s.Expr:
    """A string as a template: ``${ }`` interpolations and ``%{ }`` directives; ``$${`` is ``${``."""
    if "${" not in text and "%{" not in text:
        return s.Literal(pos, text)
    found = s._heredoc_parts(text, pos, pos.line)  # the text is read as HCL reads a template's body
    expr = found if isinstance(found, s.Expr) else s.template_of_parts(pos, found)
    expr = placed(expr, pos)
    if isinstance(expr, s.Template) and len(expr.parts) == 1 and isinstance(expr.parts[0], s.Expr):
        return expr.parts[0]  # one interpolation: the expression's own value, not converted to text
    return expr


def expression_text(text: str, pos: s.Pos) -> s.Expr:
    """A string that holds an expression (a variable's ``type``, a ``depends_on`` item)."""
    from fleetiac.analyzer.frontends.terraform.syntax import SyntaxProblem, parse_text

    try:
        parsed = parse_text(f"x = {text}\n", "<json>")
    except SyntaxProblem as problem:
        raise SyntaxProblem(f"invalid expression {text!r}: {problem.message}", pos.line, pos.column) from None
    attribute = parsed.attributes.get("x")
    if attribute is None:
        raise SyntaxProblem(f"invalid expression {text!r}", pos.line, pos.column)
    return placed(attribute.expr, pos)


def placed(node: Any, pos: s.Pos) -> Any:
    """``node`` with every position set to ``pos`` (the JSON string that holds it): positions inside
    the string are those of the text it was re-read from."""
    return s.with_positions(node, lambda _: pos)
