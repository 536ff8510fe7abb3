-- Neovim's built-in LSP client against `aura lsp` (run by compiler/cli/tests/nvim.rs):
--   nvim --headless -u NONE -i NONE -n -c "luafile lsp.lua"
-- Opens a file with an error and reads back its diagnostic, then opens an example and asks for
-- a hover, a definition, references and completion. Every wait is `vim.wait` on a condition, bounded.
-- Writes what it found as JSON to $AURA_OUT and quits (exit code 1 on a Lua error).
local aura = assert(os.getenv("AURA"), "AURA: the aura binary")
local bad = assert(os.getenv("AURA_BAD"), "AURA_BAD: a file with an error")
local example = assert(os.getenv("AURA_EXAMPLE"), "AURA_EXAMPLE: an example file")
local out = assert(os.getenv("AURA_OUT"), "AURA_OUT: where the results go")
local timeout = 20000
local result = { nvim = tostring(vim.version().major) .. "." .. tostring(vim.version().minor) }
local published = {}
local client_id = nil

local config = {
  name = "aura",
  cmd = { aura, "lsp" },
  root_dir = vim.fn.fnamemodify(example, ":h"),
  handlers = {
    -- Counts the publications, then lets the default handler store them as diagnostics.
    ["textDocument/publishDiagnostics"] = function(err, res, ctx, cfg)
      published[res.uri] = (published[res.uri] or 0) + 1
      return vim.lsp.handlers["textDocument/publishDiagnostics"](err, res, ctx, cfg)
    end,
  },
}

-- Opens `path` and attaches the server: `vim.lsp.start` (Neovim 0.8+), else the 0.7 API.
local function open(path)
  vim.cmd("edit " .. vim.fn.fnameescape(path))
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].filetype = "aura"
  if vim.lsp.start then
    client_id = vim.lsp.start(config)
  else
    client_id = client_id or vim.lsp.start_client(config)
    vim.lsp.buf_attach_client(buf, client_id)
  end
  local uri = vim.uri_from_bufnr(buf)
  assert(
    vim.wait(timeout, function() return published[uri] ~= nil end, 10),
    "no diagnostics published for " .. path
  )
  return buf
end

-- The 0-based line and column of the first `needle` in the buffer.
local function find(buf, needle)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local col = line:find(needle, 1, true)
    if col then
      return i - 1, col - 1
    end
  end
  error("no `" .. needle .. "` in the buffer")
end

local function request(buf, method, line, character, extra)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = line, character = character },
  }
  for k, v in pairs(extra or {}) do
    params[k] = v
  end
  local responses, err = vim.lsp.buf_request_sync(buf, method, params, timeout)
  assert(responses, method .. ": " .. tostring(err))
  for _, response in pairs(responses) do
    assert(not response.err and not response.error, method .. ": " .. vim.inspect(response))
    return response.result
  end
  error(method .. ": no response")
end

local function main()
  -- 1. A file with an error: its diagnostic, as Neovim stores it.
  local buf = open(bad)
  local diagnostics = vim.diagnostic.get(buf)
  local d = assert(diagnostics[1], "no diagnostic in " .. bad)
  result.diagnostic = {
    count = #diagnostics,
    message = d.message,
    line = d.lnum,
    column = d.col,
    code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code),
  }

  -- 2. An example: hover and definition on `increment` of `a.increment(1)`, references of `count`.
  buf = open(example)
  result.example_diagnostics = #vim.diagnostic.get(buf)
  local line, col = find(buf, "a.increment(1)")
  local hover = request(buf, "textDocument/hover", line, col + 2)
  result.hover = hover and hover.contents and hover.contents.value
  local definition = request(buf, "textDocument/definition", line, col + 2)
  if definition and definition[1] then
    definition = definition[1]
  end
  result.definition = definition and definition.range and definition.range.start
  line, col = find(buf, "a.count")
  local references = request(buf, "textDocument/references", line, col + 2, {
    context = { includeDeclaration = true },
  })
  result.references = references and #references or 0
  -- Completion after `a.`: what a clone of counter understands.
  line, col = find(buf, "a.reset()")
  local completion = request(buf, "textDocument/completion", line, col + 2)
  local items = completion and (completion.items or completion) or {}
  result.completion = {}
  for _, item in ipairs(items) do
    table.insert(result.completion, item.label)
  end
end

local ok, err = pcall(main)
if not ok then
  result.error = tostring(err)
end
vim.fn.writefile({ vim.fn.json_encode(result) }, out)
if client_id then
  vim.lsp.stop_client(client_id)
  vim.wait(timeout, function() return vim.lsp.get_client_by_id(client_id) == nil end, 10)
end
vim.cmd(ok and "qa!" or "cquit! 1")
