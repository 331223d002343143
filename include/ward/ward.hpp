#pragma once
// ward: the whole C++ API.

#include <ward/app.hpp>
#include <ward/cancel.hpp>
#include <ward/channel.hpp>
#include <ward/codec.hpp>
#include <ward/command.hpp>
#include <ward/context.hpp>
#include <ward/delivery.hpp>
#include <ward/error.hpp>
#include <ward/events.hpp>
#include <ward/host.hpp>
#include <ward/json.hpp>
#include <ward/limits.hpp>
#include <ward/log.hpp>
#include <ward/memory.hpp>
#include <ward/names.hpp>
#include <ward/resources.hpp>
#include <ward/responder.hpp>
#include <ward/state.hpp>
#include <ward/version.hpp>
