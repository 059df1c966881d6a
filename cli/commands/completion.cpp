// completion bash: a Bash completion script made from the command line's own
// definition (every command, alias and option), so that it never lags
// behind it. CMake writes it at build time and installs it where
// bash-completion finds it.
#include <iostream>
#include <map>
#include <set>

#include "cli/context.hpp"

namespace adledger::cli {
namespace {

// What completion needs of one command: its subcommands (with aliases),
// its options, and which options take a value.
struct Node {
  std::vector<std::string> commands;
  std::vector<std::string> options;
  std::set<std::string> valued;
};

void walk(const CLI::App& app, const std::string& path, std::map<std::string, Node>& nodes) {
  Node& node = nodes[path];
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_positional() && opt->get_lnames().empty() && opt->get_snames().empty()) continue;
    for (const auto& name : opt->get_lnames()) {
      node.options.push_back("--" + name);
      if (opt->get_type_size() != 0) node.valued.insert("--" + name);
    }
    for (const auto& name : opt->get_snames()) {
      node.options.push_back("-" + name);
      if (opt->get_type_size() != 0) node.valued.insert("-" + name);
    }
  }
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_name() == "completion") continue;  // for packagers, not people
    node.commands.push_back(sub->get_name());
    for (const auto& alias : sub->get_aliases()) node.commands.push_back(alias);
    walk(*sub, path + " " + sub->get_name(), nodes);
    for (const auto& alias : sub->get_aliases()) walk(*sub, path + " " + alias, nodes);
  }
}

std::string words(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& w : list) out += (out.empty() ? "" : " ") + w;
  return out;
}

void print_bash(const CLI::App& app) {
  std::map<std::string, Node> nodes;
  walk(app, "adledger", nodes);  // keys: the command's words (Bash takes no empty key)
  std::set<std::string> valued;
  for (const auto& [path, node] : nodes) valued.insert(node.valued.begin(), node.valued.end());
  std::cout << "# Bash completion for adledger, made by `adledger completion bash` from its own definition.\n"
               "# Completes commands, options, their fixed values, files, and the advertiser and platform ids\n"
               "# of the ledger in use (--db, -f, --file, else $ADLEDGER_DB, else ./adledger.db).\n"
               "declare -gA _adledger_commands=(\n";
  for (const auto& [path, node] : nodes) std::cout << "  [\"" << path << "\"]=\"" << words(node.commands) << "\"\n";
  std::cout << ")\ndeclare -gA _adledger_options=(\n";
  for (const auto& [path, node] : nodes) std::cout << "  [\"" << path << "\"]=\"" << words(node.options) << "\"\n";
  std::cout << ")\n_adledger_valued=\" " << words({valued.begin(), valued.end()}) << " \"\n";
  std::cout << R"BASH(
_adledger_ids() {  # the ids of the first column of `adledger $1 list`
  local db=() i
  for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
    case "${COMP_WORDS[i]}" in --db|-f|--file) db=(--db "${COMP_WORDS[i+1]}") ;; esac
  done
  adledger "${db[@]}" "$1" list 2>/dev/null | tail -n +2 | cut -d' ' -f1
}

_adledger() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  local path=adledger w i skip=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    if ((skip)); then skip=0; continue; fi
    if [[ $w == -* ]]; then
      [[ $_adledger_valued == *" $w "* ]] && skip=1
      continue
    fi
    if [[ " ${_adledger_commands[$path]} " == *" $w "* ]]; then path="$path $w"; fi
  done
  case "$prev" in
    --format)
      if [[ $path == "adledger export" ]]; then COMPREPLY=($(compgen -W "ledger hledger beancount csv jsonl" -- "$cur"))
      else COMPREPLY=($(compgen -W "table json csv markdown html" -- "$cur")); fi
      return ;;
    --by) COMPREPLY=($(compgen -W "year quarter month week" -- "$cur")); return ;;
    --kind) COMPREPLY=($(compgen -W "ad_ban ban_lift suspension disclosure targeting_change" -- "$cur")); return ;;
    --precision) COMPREPLY=($(compgen -W "exact estimated range" -- "$cur")); return ;;
    --advertiser) COMPREPLY=($(compgen -W "$(_adledger_ids advertiser)" -- "$cur")); return ;;
    --platform) COMPREPLY=($(compgen -W "$(_adledger_ids platform)" -- "$cur")); return ;;
    --db|-f|--file|--output|--batch|--out|--sign|--key|--proofs|--since|--log|--from|--to)
      if [[ $prev == --from || $prev == --to ]] && [[ $path != "adledger copy" ]]; then return; fi
      COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  if [[ $_adledger_valued == *" $prev "* ]]; then return; fi  # a value we cannot guess
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "${_adledger_options[$path]} ${_adledger_options[adledger]}" -- "$cur"))
  elif [[ -n ${_adledger_commands[$path]} ]]; then
    COMPREPLY=($(compgen -W "${_adledger_commands[$path]}" -- "$cur"))
  elif [[ $path == "adledger report advertiser" ]]; then
    COMPREPLY=($(compgen -W "$(_adledger_ids advertiser)" -- "$cur"))
  elif [[ $path == "adledger report platform" ]]; then
    COMPREPLY=($(compgen -W "$(_adledger_ids platform)" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -F _adledger adledger
)BASH";
}

}  // namespace

void setup_completion(CLI::App& app) {
  auto* sub = app.add_subcommand("completion", "print a shell completion script (bash) for adledger");
  auto shell = std::make_shared<std::string>();
  sub->add_option("shell", *shell, "the shell: bash")->required()->check(CLI::IsMember({"bash"}));
  sub->callback([&app] { print_bash(app); });
}

}  // namespace adledger::cli
