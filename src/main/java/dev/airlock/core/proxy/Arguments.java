package dev.airlock.core.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.core.policy.CanonicalId;
import graphql.language.Argument;
import graphql.language.ArrayValue;
import graphql.language.Field;
import graphql.language.IntValue;
import graphql.language.ObjectField;
import graphql.language.ObjectValue;
import graphql.language.OperationDefinition;
import graphql.language.StringValue;
import graphql.language.Value;
import graphql.language.VariableDefinition;
import graphql.language.VariableReference;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves the resource ids a rule names ({@code volumeId}, {@code input.id}) in one operation: from literals in
 * the document, or through {@code $variables} from the request's variables, or from a variable's default value
 * when the request does not give it (GraphQL spec §6.4.1, CoerceVariableValues). Only a string or a whole number
 * is an id; a list yields each of its elements. Anything else (null, absent, an object where an id belongs) is
 * refused rather than mapped to no resource.
 */
final class Arguments {
    private final Map<String, VariableDefinition> declared = new HashMap<>();
    private final ObjectNode variables;

    Arguments(OperationDefinition operation, ObjectNode variables) {
        for (VariableDefinition d : operation.getVariableDefinitions()) declared.put(d.getName(), d);
        this.variables = variables;
    }

    void resolve(Field field, GraphQlRule.ArgPath path, String where, List<String> out) throws Refusal {
        List<String> steps = path.steps();
        Argument argument = null;
        for (Argument a : field.getArguments()) {
            refuseOtherSpelling(a.getName(), steps.get(0), where);
            if (a.getName().equals(steps.get(0))) argument = a;
        }
        if (argument == null) throw new Refusal(MappingResult.BAD_RESOURCE, where + " is missing");
        resolve(argument.getValue(), steps, 1, where, out, false);
    }

    private void resolve(Value<?> value, List<String> steps, int next, String where, List<String> out,
                         boolean inDefault) throws Refusal {
        if (value instanceof VariableReference ref) {
            if (inDefault) throw new Refusal(MappingResult.GRAPHQL_SYNTAX, "a default value cannot use a variable");
            VariableDefinition definition = declared.get(ref.getName());
            if (definition == null) {
                throw new Refusal(MappingResult.GRAPHQL_SYNTAX, "variable $" + ref.getName() + " is not declared");
            }
            JsonNode given = StrictJson.child(variables, ref.getName(), where + " (variables)");
            if (given != null) {
                resolveJson(given, steps, next, where + " ($" + ref.getName() + ")", out);
            } else if (definition.getDefaultValue() != null) {
                resolve(definition.getDefaultValue(), steps, next, where, out, true);
            } else {
                throw new Refusal(MappingResult.BAD_RESOURCE, where + ": variable $" + ref.getName() + " is not given");
            }
            return;
        }
        if (next < steps.size()) {
            if (!(value instanceof ObjectValue object)) {
                throw new Refusal(MappingResult.BAD_RESOURCE, where + " is not an input object at '" + steps.get(next) + "'");
            }
            Value<?> inner = null;
            for (ObjectField f : object.getObjectFields()) {
                refuseOtherSpelling(f.getName(), steps.get(next), where);
                if (!f.getName().equals(steps.get(next))) continue;
                // Input object field names are unique (spec §5.6.3); a server could read either of two.
                if (inner != null) throw new Refusal(MappingResult.GRAPHQL_SYNTAX, where + " is given twice");
                inner = f.getValue();
            }
            if (inner == null) throw new Refusal(MappingResult.BAD_RESOURCE, where + " is missing");
            resolve(inner, steps, next + 1, where, out, inDefault);
            return;
        }
        if (value instanceof ArrayValue list) {
            if (list.getValues().isEmpty()) throw new Refusal(MappingResult.BAD_RESOURCE, where + " is an empty list");
            for (Value<?> item : list.getValues()) {
                if (item instanceof ArrayValue) throw new Refusal(MappingResult.BAD_RESOURCE, where + " is a nested list");
                resolve(item, steps, next, where, out, inDefault);
            }
        } else if (value instanceof StringValue s) {
            out.add(ResourceIds.check(s.getValue(), where));
        } else if (value instanceof IntValue i) {
            out.add(ResourceIds.check(i.getValue().toString(), where));
        } else {
            throw new Refusal(MappingResult.BAD_RESOURCE, where + " is not an id (a string or whole number)");
        }
    }

    /**
     * GraphQL names are case-sensitive (spec §2.1.9), but servers bind arguments and input fields to their own types,
     * some case-insensitively (.NET's default JSON binding): {@code serviceId} beside {@code serviceID} is two values
     * to us and possibly one to them, so an argument or input field spelled like the one a rule reads is refused.
     */
    private static void refuseOtherSpelling(String name, String wanted, String where) throws Refusal {
        if (!name.equals(wanted) && CanonicalId.of(name).equals(CanonicalId.of(wanted))) {
            throw new Refusal(MappingResult.BAD_REQUEST, where + ": '" + RequestChecks.printable(name) + "' is '"
                    + wanted + "' in another spelling, which some servers read as the same name; send '" + wanted
                    + "' only, spelled exactly");
        }
    }

    private static void resolveJson(JsonNode value, List<String> steps, int next, String where, List<String> out)
            throws Refusal {
        JsonNode node = value;
        for (int i = next; i < steps.size(); i++) {
            if (!(node instanceof ObjectNode object)) {
                throw new Refusal(MappingResult.BAD_RESOURCE, where + " is not an input object at '" + steps.get(i) + "'");
            }
            node = StrictJson.child(object, steps.get(i), where);
        }
        ResourceIds.fromJson(node, where, out);
    }
}
