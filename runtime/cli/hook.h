/* hook.h — the `hook` and `agent-hook` verbs of cmdai-policy (hook.c,
 * agent_hook.c); main.c dispatches to them.  argv[0] is the verb. */
#ifndef CMDAI_HOOK_H
#define CMDAI_HOOK_H

int cmd_hook(int argc, char **argv);
int cmd_agent_hook(int argc, char **argv);
/* `cmdai-policy hook serve ...` (hook_serve.c); argv[0] is "serve". */
int hook_serve(int argc, char **argv);

#endif
