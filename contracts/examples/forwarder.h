/* forwarder.h — an example caller of OutLayer that forwards any program's
 * JSON answer to its own callback and keeps it on chain.
 *
 *   new({"outlayer_id": "outlayer.testnet"})
 *   ask({"code_source": {...}, "input_data"?: "...", "resource_limits"?: {...}})
 *        + deposit (forwarded to OutLayer's request_execution with
 *        response_format Json and the caller as payer, so the unused part
 *        goes straight back to them); returns the stored answer
 *   on_answer({"id", "sender"})  private callback: stores the answer
 *   get_answer({"id": N})        view: {"id","sender","answer"} or null
 *   get_config()                 view: [outlayer_id, answers asked so far]
 *
 * The answer is the program's JSON as OutLayer returned it, or null when
 * the execution failed or timed out (then "error" says so). */
#ifndef FORWARDER_H
#define FORWARDER_H

#define FORWARDER_OUTLAYER_GAS (150 * TGAS)
#define FORWARDER_CALLBACK_GAS (30 * TGAS)
/* Program answers kept on chain are capped: the forwarder pays the storage. */
#define FORWARDER_MAX_ANSWER 16384

void fw_new(void);
void fw_ask(void);
void fw_on_answer(void);
void fw_get_answer(void);
void fw_get_config(void);

#endif
