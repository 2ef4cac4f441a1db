"""The current Bicep language, one construct per test: each parses, and yields what it means."""

from __future__ import annotations

from fleetiac.analyzer.frontends.bicep.ast import (
    Binary,
    Call,
    FuncDecl,
    Ident,
    ImportDecl,
    Index,
    Interp,
    Lambda,
    Lit,
    Member,
    Obj,
    Pair,
    ParsedBicep,
    ParsedParams,
    Spread,
    Ternary,
    render,
)
from fleetiac.analyzer.frontends.bicep.syntax import parse_file, parse_params_file, prepare
from fleetiac.analyzer.model import Diagnostic

FLEET = "Microsoft.ContainerService/fleets@2025-03-01"


def parsed(text: str) -> ParsedBicep:
    result = parse_file(text, "main.bicep")
    assert isinstance(result, ParsedBicep), result
    return result


def value(text: str, name: str = "x"):
    return parsed(text).vars[name].value


def test_prepare_keeps_every_offset() -> None:
    text = "var x = f(\n  'a', // c\n  'b'\n)\nvar y = c\n  ? 1\n  : 2\n"
    out = prepare(text)
    assert len(out) == len(text)
    assert out == "var x = f(   'a',        'b' )\nvar y = c   ? 1   : 2\n"


def test_a_ternary_with_line_leading_operators_as_bicep_format_writes_it() -> None:
    node = value("var x = mode == 'none'\n  ? ''\n  : mode\n")
    assert node == Ternary(1, 9, Binary(1, 9, "==", Ident(1, 9, "mode"), Lit(1, 17, "none")), Lit(2, 5, ""),
                           Ident(3, 5, "mode"))


def test_a_nested_multi_line_ternary_and_a_spaced_line_ending_operator() -> None:
    nested = value("var x = a\n  ? b\n    ? 1\n    : 2\n  : 3\n")
    assert nested == Ternary(1, 9, Ident(1, 9, "a"), Ternary(2, 5, Ident(2, 5, "b"), Lit(3, 7, 1), Lit(4, 7, 2)),
                             Lit(5, 5, 3))
    assert value("var x = a +\n  b\n") == Binary(1, 9, "+", Ident(1, 9, "a"), Ident(2, 3, "b"))
    assert value("var x = a\n  && b\n") == Binary(1, 9, "&&", Ident(1, 9, "a"), Ident(2, 6, "b"))


def test_a_call_over_several_lines_with_comments_and_blank_lines() -> None:
    node = value("var x = concat(\n  // first\n  'a', // tail\n\n  'b'\n)\n")
    assert node == Call(1, 9, "concat", (Lit(3, 3, "a"), Lit(5, 3, "b")))


def test_resource_typed_params_and_outputs() -> None:
    result = parsed(f"param parentFleet resource '{FLEET}'\noutput fleet resource '{FLEET}' = parentFleet\n")
    assert result.params["parentFleet"].resource_type == FLEET
    assert result.params["parentFleet"].value is None
    assert result.outputs["fleet"].resource_type == FLEET
    assert result.outputs["fleet"].value == Ident(2, 72, "parentFleet")


def test_spread_in_objects_and_arrays() -> None:
    obj = value("var x = {\n  ...base\n  b: 2\n}\n")
    assert obj == Obj(1, 9, (Spread(2, 3, Ident(2, 6, "base")), Pair(3, 3, "b", Lit(3, 6, 2))))
    arr = value("var x = [\n  ...xs\n  1\n]\n")
    assert arr.items == (Spread(2, 3, Ident(2, 6, "xs")), Lit(3, 3, 1))
    assert render(obj) == "{...base, b: 2}"


def test_imports_and_exports_of_types_variables_and_functions() -> None:
    result = parsed("import {\n  fleetName\n  stage as s\n} from 'shared.bicep'\nimport * as lib from 'lib.bicep'\n"
                    "@export()\ntype t = string\n@export()\nvar v = 1\n@export()\nfunc f() string => 'x'\n")
    assert result.imports == [ImportDecl("shared.bicep", (("fleetName", "fleetName"), ("stage", "s")), None, 1, 1),
                              ImportDecl("lib.bicep", (), "lib", 5, 1)]
    assert result.vars["v"].value == Lit(9, 9, 1)
    assert result.functions["f"] == FuncDecl("f", (), Lit(11, 20, "x"), 11, 6)


def test_user_defined_types_optional_properties_unions_sealed_discriminator_nullable() -> None:
    result = parsed("@sealed()\ntype stage = {\n  @description('the name')\n  name: string\n  type: 'a' | 'b'\n"
                    "  metadata: object?\n  *: int\n}\n@discriminator('kind')\ntype u = a | b\ntype n = string?\n"
                    "type names = string[]\ntype t =\n  | 'x'\n  | 'y'\n"
                    "param tier 'Free' | 'Standard' = 'Free'\n"
                    "param tags resourceInput<'Microsoft.Resources/resourceGroups@2024-03-01'>.tags = {}\n")
    assert result.params["tier"].value == Lit(16, 34, "Free")
    assert result.params["tags"].value == Obj(17, 82, ())


def test_typed_variables() -> None:
    result = parsed("var x string = 'a'\nvar y {\n  a: string\n} = {\n  a: 'b'\n}\n")
    assert result.vars["x"].value == Lit(1, 16, "a")
    assert render(result.vars["y"].value) == "{a: 'b'}"


def test_user_defined_functions() -> None:
    func = parsed("func name(\n  prefix string,\n  i int\n) string => '${prefix}-${i}'\n").functions["name"]
    assert func.params == ("prefix", "i")
    assert func.body == Interp(4, 13, (Ident(4, 16, "prefix"), "-", Ident(4, 26, "i")))


def test_lambdas_of_one_and_several_parameters() -> None:
    node = value("var x = reduce([1, 2], 0, (acc, v) => acc + v)\n")
    assert node.args[2] == Lambda(1, 27, ("acc", "v"), Binary(1, 39, "+", Ident(1, 39, "acc"), Ident(1, 45, "v")))
    assert value("var x = map(ws, w => w.name)\n").args[1] == Lambda(1, 17, ("w",), Member(1, 22, Ident(1, 22, "w"),
                                                                                       "name"))


def test_safe_dereference_non_null_and_from_end_index() -> None:
    assert value("var x = a.?b\n") == Member(1, 9, Ident(1, 9, "a"), "b", safe=True)
    assert value("var x = a[?0]\n") == Index(1, 9, Ident(1, 9, "a"), Lit(1, 12, 0), safe=True)
    assert value("var x = f()!.b\n") == Member(1, 9, Call(1, 9, "f", ()), "b")
    assert value("var x = a[^1]\n") == Index(1, 9, Ident(1, 9, "a"), Lit(1, 12, 1), from_end=True)


def test_disable_next_line_and_disable_diagnostics() -> None:
    result = parsed("#disable-next-line no-unused-vars\nvar x = 1\n#disable-diagnostics a b\n"
                    "var y = [\n  #disable-next-line no-loc\n  1\n]\n")
    assert result.vars["x"].value == Lit(2, 9, 1)
    assert result.vars["y"].value.items == (Lit(6, 3, 1),)


def test_extension_assert_metadata_and_target_scope() -> None:
    result = parsed("targetScope = 'subscription'\nextension kubernetes with {\n  namespace: 'x'\n} as k8s\n"
                    "extension 'br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0:0.1.8-preview'\n"
                    "metadata info = '''\ntext\n'''\nassert ok = 1 == 1\nvar x = 1\n")
    assert result.target_scope == "subscription"
    assert result.vars["x"].value == Lit(10, 9, 1)


def test_existing_with_scope() -> None:
    text = f"resource fleet '{FLEET}' existing = {{\n  name: 'f'\n  scope: resourceGroup('rg')\n}}\n"
    [fleet] = parsed(text).resources
    assert fleet.existing and render(fleet.body) == "{name: 'f', scope: resourceGroup('rg')}"


def test_multi_line_strings_plain_interpolated_and_with_extra_quotes() -> None:
    assert value("var x = '''\nhello\n'''\n") == Lit(1, 9, "hello\n")
    assert value("var x = ''''abc''''\n") == Lit(1, 9, "'abc'")
    assert value("var x = $'''\nhi ${name}\n'''\n") == Interp(1, 9, ("hi ", Ident(2, 6, "name"), "\n"))
    assert value("var x = $$'''${a} $${b}'''\n") == Interp(1, 9, ("${a} ", Ident(1, 22, "b")))


def test_decorators_on_every_statement_and_inside_types() -> None:
    result = parsed("@description('a')\n@minLength(1)\nparam p string\n@description('o')\noutput o string = p\n"
                    "@batchSize(1)\nresource r 'x@1' = [for i in range(0, 2): {\n  name: 'r${i}'\n}]\n"
                    "@description('m')\nmodule m 'm.bicep' = {\n  name: 'm'\n}\n"
                    "type tuple = [\n  @description('first')\n  string\n  int\n]\n")
    assert list(result.params) == ["p"] and list(result.outputs) == ["o"]
    assert [r.symbol for r in result.resources] == ["r"] and [m.symbol for m in result.modules] == ["m"]


def test_loops_with_for_on_its_own_line_a_comment_and_an_index_filter() -> None:
    loop = value("var x = [\n  // one per index\n  for (n, i) in names: if (i > 0) {\n    name: n\n  }\n]\n")
    assert (loop.item, loop.index) == ("n", "i")
    assert loop.filter == Binary(3, 28, ">", Ident(3, 28, "i"), Lit(3, 32, 0))
    assert value("var x = [for item in items: item]\n").iterable == Ident(1, 22, "items")


def test_commas_trailing_commas_and_keywords_as_property_names() -> None:
    assert render(value("var x = ['a', 'b',]\n")) == "['a', 'b']"
    assert render(value("var x = { a: 1,\n  b: 2 }\n")) == "{a: 1, b: 2}"
    assert [p.key for p in value("var x = {\n  if: 1\n  true: 2\n  type: 3\n}\n").pairs] == ["if", "true", "type"]


def test_a_call_with_a_space_before_its_parenthesis() -> None:
    assert value("var x = like ('abc', 'a*')\n") == Call(1, 9, "like", (Lit(1, 15, "abc"), Lit(1, 22, "a*")))


def test_bicepparam_using_none_extends_and_import() -> None:
    text = ("using 'main.bicep' with {\n  mode: 'stack'\n}\nextends 'shared.bicepparam'\n"
            "import { fleetName } from 'shared.bicep'\nparam name = fleetName\n")
    result = parse_params_file(text, "prod.bicepparam")
    assert isinstance(result, ParsedParams), result
    assert (result.using, result.using_line, result.extends) == ("main.bicep", 1, "shared.bicepparam")
    assert result.imports == [ImportDecl("shared.bicep", (("fleetName", "fleetName"),), None, 5, 1)]
    assert result.params["name"].value == Ident(6, 14, "fleetName")
    none = parse_params_file("using none\nparam a = 1\n", "base.bicepparam")
    assert isinstance(none, ParsedParams) and none.using is None and none.params["a"].value == Lit(2, 11, 1)


def test_valid_bicep_that_is_not_read_yet_says_so() -> None:
    result = parse_file("var x = c?\n  'a' : 'b'\n", "main.bicep")
    assert isinstance(result, Diagnostic)
    assert (result.location.line, result.message) == (
        1, "valid Bicep that fleetiac does not read yet: a conditional expression continued after a line-ending "
           "'?' or ':'")
    error = parse_file("var x = {\n  a 'b'\n}\n", "main.bicep")
    assert isinstance(error, Diagnostic) and error.message == "cannot parse Bicep: unexpected \"'b'\""
    # A nullable type ends its line with `?` too: an error on the next line is a syntax error.
    nullable = parse_file("param x string?\nparam y = \n", "main.bicep")
    assert isinstance(nullable, Diagnostic) and nullable.message == "cannot parse Bicep: unexpected '='"
