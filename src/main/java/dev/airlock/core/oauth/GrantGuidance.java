package dev.airlock.core.oauth;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an agent is told when it asks for something only a human can grant. An agent that has to guess is how
 * production gets deleted, so the refusal names the endpoint, the fields and the next step, and says plainly not to
 * look for another credential.
 */
public final class GrantGuidance {
    public static final String GRANTS_PATH = "/v1/grants";
    public static final String CIBA_GRANT_TYPE = "urn:openid:params:grant-type:ciba";

    private GrantGuidance() {}

    /**
     * What both the token endpoint and the grant endpoint say of scopes {@code agentId} can get from neither of them
     * in {@code environment} (issue 16: the grant endpoint sent such an agent to the token endpoint, which refused it
     * and named no way on; an agent following the two answers went round in a loop). Names who can change it, so that
     * the agent stops instead of retrying or looking for another way in.
     */
    public static String notAtAll(String agentId, List<String> scopes, String environment) {
        return agentId + " may not have " + String.join(" ", scopes) + " in " + environment + " at all: neither the"
                + " token endpoint nor a grant gives it. An Airlock operator must change agents.yaml (this agent's entry"
                + " for " + environment + ") to allow it. Stop and ask the person you work for; do not retry or look"
                + " for another credential.";
    }

    /**
     * How to ask people for scopes the agent may request through a grant; scopes it may not are {@link #notAtAll}.
     *
     * @param why what makes the scopes need people ({@code volume:rm is destructive: its verb contains the built-in
     *            destructive word 'rm'}), so that an agent is never left to guess; empty to say nothing
     */
    public static String sentence(String baseUrl, String environment, List<String> scopes, String why) {
        String what = String.join(" ", scopes);
        String because = why.isEmpty() ? "" : " (" + why + ")";
        return what + " in " + environment + " is never issued automatically" + because
                + ": it needs approval by people. To ask:"
                + " POST " + baseUrl + GRANTS_PATH + " (authenticated like this request) with JSON {\"environment\":\""
                + environment + "\",\"scopes\":" + jsonList(scopes) + ",\"resources\":[\"<exact resource id>\"],"
                + "\"reason\":\"<why this is needed>\",\"command\":\"<the exact command you will run>\"}; then poll"
                + " POST " + baseUrl + "/oauth2/token with grant_type=" + CIBA_GRANT_TYPE + " and the auth_req_id it"
                + " returns. Do not look for another credential.";
    }

    /** The same, as a machine-readable extension member of the error response. */
    public static Map<String, Object> structured(String baseUrl, String environment, List<String> scopes,
                                                 boolean agentMayAsk) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("required", "human_grant");
        m.put("agent_may_request", agentMayAsk);
        if (agentMayAsk) {
            m.put("endpoint", baseUrl + GRANTS_PATH);
            m.put("method", "POST");
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("environment", environment);
            fields.put("scopes", scopes);
            fields.put("resources", "exact resource ids, all owned by " + environment);
            fields.put("reason", "why, in words an approver can judge");
            fields.put("command", "the command you will run (optional)");
            m.put("fields", fields);
            Map<String, Object> poll = new LinkedHashMap<>();
            poll.put("endpoint", baseUrl + "/oauth2/token");
            poll.put("grant_type", CIBA_GRANT_TYPE);
            poll.put("parameter", "auth_req_id");
            m.put("poll", poll);
        }
        return m;
    }

    private static String jsonList(List<String> items) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) sb.append(',');
            sb.append('"').append(items.get(i)).append('"');
        }
        return sb.append(']').toString();
    }
}
