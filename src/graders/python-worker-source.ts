/**
 * The Python side of python-runner.ts (`python3 -u -c` execs it from the environment): it reads one JSON request a
 * line on stdin and writes one JSON reply a line on the stdout it started with. User code's prints
 * go to stderr (fd 1 is pointed at fd 2), so they cannot corrupt the replies.
 *
 * Requests: `{id, op: 'call', code | path+function, args}` calls `main` of inline code (compiled
 * once per source) or a module's function (loaded once per path, size and mtime; its folder is put
 * on sys.path, as promptfoo does); an `async def` is run with asyncio. `{id, op: 'check', code |
 * path+function}` compiles the code, or parses the module without running it and says whether it
 * defines the function at its top level. Replies: `{id, ok: true, result}` or `{id, ok: false,
 * error, line?}`. The first line written is `{"ready": [major, minor]}`; Python 2 cannot parse this
 * file and exits, so a `python` that is Python 2 is never used.
 */
export const PYTHON_WORKER_SOURCE = String.raw`
import asyncio, dataclasses, importlib.util, inspect, json, os, sys

_replies = os.fdopen(os.dup(1), 'w', encoding='utf-8', newline='\n')
os.dup2(2, 1)
sys.stdout = sys.stderr
_modules = {}
_inline = {}


def _plain(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, 'model_dump'):
        return value.model_dump()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if hasattr(value, '__dict__'):
        return {k: v for k, v in vars(value).items() if not k.startswith('_')}
    raise TypeError(f'a {type(value).__name__} is not JSON serializable')


def _send(message):
    _replies.write(json.dumps(message, default=_plain, allow_nan=False) + '\n')
    _replies.flush()


def _module(path):
    st = os.stat(path)
    key = (path, st.st_mtime_ns, st.st_size)
    module = _modules.get(key)
    if module is None:
        folder = os.path.dirname(path)
        if folder not in sys.path:
            sys.path.insert(0, folder)
        spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(path))[0], path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _modules[key] = module
    return module


def _function(request):
    code = request.get('code')
    if code is not None:
        fn = _inline.get(code)
        if fn is None:
            namespace = {'__name__': '__promptgate_inline__'}
            exec(compile(code, '<python assertion>', 'exec'), namespace)
            fn = _inline[code] = namespace['main']
        return fn
    fn = getattr(_module(request['path']), request['function'], None)
    if not callable(fn):
        raise LookupError(f"{os.path.basename(request['path'])} has no function {request['function']}")
    return fn


def _defines(path, name):
    import ast
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read(), path)
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == '*':
                    return True
                names.add((alias.asname or alias.name).split('.')[0])
    return name in names


def _run(request):
    if request['op'] == 'check':
        if request.get('code') is not None:
            compile(request['code'], '<python assertion>', 'exec')
            return True
        return _defines(request['path'], request['function'])
    result = _function(request)(*request['args'])
    if inspect.isawaitable(result):
        async def wait():
            return await result
        result = asyncio.run(wait())
    return result


_send({'ready': list(sys.version_info[:2])})
for line in sys.stdin:
    request = json.loads(line)
    try:
        reply = {'id': request['id'], 'ok': True, 'result': _run(request)}
        text = json.dumps(reply, default=_plain, allow_nan=False)
    except BaseException as error:
        reply = {'id': request['id'], 'ok': False, 'error': f'{type(error).__name__}: {error}'}
        if isinstance(error, SyntaxError) and error.lineno:
            reply['line'] = error.lineno
            reply['error'] = f'{type(error).__name__}: {error.msg}'
        else:
            tb = error.__traceback__
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            if tb is not None and tb.tb_frame.f_code.co_filename == '<python assertion>':
                reply['line'] = tb.tb_lineno
        text = json.dumps(reply)
    _replies.write(text + '\n')
    _replies.flush()
`;
